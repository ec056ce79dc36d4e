"""Kernel images: which allocators exist, and building them with make.

An image is one shared object: the shims runtime, one allocator, and the
harness C that drives it.  make decides what is stale; this module names the
inputs.  A drop-in image comes from PERCPU_IDA_SRC / PERCPU_IDA_H.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from torture import generation, sanitizers, sbitmap_shape
from torture.errors import BuildError, InvalidArgument, MissingSymbols, UnknownAllocator

ROOT = Path(__file__).resolve().parent.parent
PORT = ROOT / "kernel_port"
SANITIZERS = sanitizers.SANITIZERS


@dataclass(frozen=True)
class ImageSpec:
    """What goes into one image."""

    name: str
    source: Path
    header: Path
    gen: generation.Generation
    patch: Path | None = None
    expect: str | None = None  # for a broken variant: the failure it must produce
    about: str = ""
    api: str = "percpu_ida"  # the prefix of the entry points
    libs: tuple[Path, ...] = ()  # library sources under a baseline
    dropin: bool = False  # a user's file: kernel_port/include never shadows a kernel header
    sbitmap_header: Path | None = None  # an upstream <linux/sbitmap.h> under the adapter
    defines: str = ""  # what the adapter must know of an upstream file's era

    @property
    def percpu_ida(self) -> bool:
        """percpu_ida itself (any design), not a baseline behind its interface."""
        return self.api == "percpu_ida"

    @property
    def per_cpu_caches(self) -> bool:
        """Tags cached per CPU, so an empty CPU steals: every percpu_ida
        design, and the ida magazines."""
        return self.percpu_ida or self.api == "ida_mag"

    @property
    def has_driver(self) -> bool:
        """tagblk is built in: it follows percpu_ida's API generation."""
        return self.percpu_ida

    @property
    def free_function(self) -> str:
        if self.percpu_ida and self.gen.number == generation.POSTING:
            return "percpu_tag_free"
        return f"{self.api}_free"

    @property
    def alloc_function(self) -> str:
        """The entry point fail_function can inject (it is wrapped at link time)."""
        if self.percpu_ida and self.gen.number == generation.POSTING:
            return "percpu_tag_alloc"
        return f"{self.api}_alloc"


def _port(name: str, src: str, hdr: str, about: str) -> ImageSpec:
    return ImageSpec(
        name, PORT / "lib" / src, PORT / "include/linux" / hdr,
        generation.Generation(314, None, None), about=about,
    )


PORTS = {
    "percpu_ida": _port("percpu_ida", "percpu_ida.c", "percpu_ida.h",
                        "design A: a spinlock per CPU cache (the merged design)"),
    "percpu_ida_v1": _port("percpu_ida_v1", "percpu_ida_v1.c", "percpu_ida_v1.h",
                           "design B: cmpxchg caches and TAG_CPU_STEALING (June 2013)"),
}


def _baseline(name: str, src: str, hdr: str, libs: tuple[str, ...], about: str) -> ImageSpec:
    return ImageSpec(
        name, PORT / "lib" / src, PORT / "include/linux" / hdr,
        generation.Generation(314, None, None), about=about, api=name,
        libs=tuple(PORT / "lib" / lib for lib in libs),
    )


# What percpu_ida is measured against (spec/baselines.md), each behind the
# same interface (<linux/tag_pool.h>).
BASELINES = {
    spec.name: spec for spec in [
        _baseline("ida_tags", "ida_tags.c", "ida_tags.h", ("ida.c", "test_ida.c"),
                  "baseline: the 2013 ida under one spinlock"),
        _baseline("ida_mag", "ida_magazine.c", "ida_magazine.h", ("ida.c", "test_ida.c"),
                  "baseline: ida behind per-cpu magazines and a depot"),
        _baseline("sbitmap_tags", "sbitmap_tags.c", "sbitmap_tags.h", ("sbitmap.c",),
                  "baseline: sbitmap_queue, as blk-mq uses it"),
        _baseline("tag_freelist", "tag_freelist.c", "tag_freelist.h", (),
                  "baseline: one locked stack of free tags"),
    ]
}


def _patched(name: str, base: str, patch: Path, expect: str | None = None) -> ImageSpec:
    """An allocator with a patch on it; the patch's first line says what it does."""
    about = patch.read_text().split("\n", 1)[0].lstrip("# ").strip() if patch.exists() else ""
    spec = {**PORTS, **BASELINES}[base]
    return dataclasses.replace(spec, name=name, patch=patch, expect=expect, about=about)


CORRECT = {
    **PORTS,
    "percpu_ida_cpuhp": _patched("percpu_ida_cpuhp", "percpu_ida",
                                 PORT / "variants/cpu-dead-notifier.patch"),
}


def _broken(name: str, base: str, patch: str, expect: str) -> ImageSpec:
    return _patched(name, base, PORT / "broken" / patch, expect)


# Each mutant, and what the default campaign must report for it (a regex).
BROKEN = {
    name: _broken(name, base, f"{patch}.patch", expect)
    for name, base, patch, expect in [
        ("broken_steal_nolock", "percpu_ida", "steal-without-remote-lock",
         "double allocation"),
        ("broken_no_wake", "percpu_ida", "no-wake-on-first-free", "stall"),
        # a wait that does not loop: spurious wakeups (and stolen ones) end it empty
        ("broken_wait_no_loop", "percpu_ida", "wait-without-loop", "alloc in state"),
        ("broken_no_cpumask_bit", "percpu_ida", "no-cpumask-bit-on-free",
         "availability|stall"),
        ("broken_free_irqs_on", "percpu_ida", "free-without-irqs-off",
         "in preemptible|inconsistent lock state|recursion"),
        ("broken_spill_no_recheck", "percpu_ida", "spill-without-recheck",
         "crash|out of range|double allocation|conservation|sanitizer"),
        ("broken_refill_batch", "percpu_ida", "refill-a-whole-batch",
         "crash|out of range|double allocation|conservation|sanitizer"),
        ("broken_v1_pop", "percpu_ida_v1", "v1-pop-ignores-stealing",
         "crash|out of range|double allocation|conservation|sanitizer"),
        ("broken_v1_push", "percpu_ida_v1", "v1-push-ignores-stealing",
         "crash|out of range|double allocation|conservation|sanitizer"),
        # the baselines' own bugs, caught by the same checks
        ("broken_sbitmap_no_fold", "sbitmap_tags", "sbitmap-no-deferred-fold",
         "availability|stall"),
        ("broken_freelist_no_wake", "tag_freelist", "freelist-no-wake", "stall"),
        # races that corrupt the ida: the counts go wrong too, and a sleeper
        # may be left asleep beside tags the corrupted tree cannot hand out
        ("broken_ida_mag_steal_nolock", "ida_mag", "ida-mag-steal-without-lock",
         "crash|out of range|double allocation|conservation|not allocated|stall|sanitizer"),
        ("broken_ida_tags_free_nolock", "ida_tags", "ida-tags-free-without-lock",
         "crash|out of range|double allocation|conservation|not allocated|stall|sanitizer"),
    ]
}


# Mutants whose race windows are too narrow for the threaded engine to hit
# reliably: they are for the deterministic engine, which forces the schedule.
INTERLEAVING_ONLY = {
    name: _broken(name, base, f"{patch}.patch", None)
    for name, base, patch in [
        ("broken_queue_late", "percpu_ida", "queue-after-search"),
        ("broken_stale_cache", "percpu_ida", "stale-cache-after-schedule"),
        ("broken_steal_count_early", "percpu_ida", "steal-count-before-lock"),
        ("broken_wake_before_bit", "percpu_ida", "wake-before-bit"),
        ("broken_v1_steal_early", "percpu_ida_v1", "v1-steal-releases-early"),
        ("broken_sbitmap_wake_early", "sbitmap_tags", "sbitmap-wake-before-clear"),
        # the driver's own bugs: the torture run does not drive it, its scenario does
        ("broken_tagblk_give_up", "percpu_ida", "tagblk-give-up-silently"),
        ("broken_tagblk_leak", "percpu_ida", "tagblk-complete-keeps-tag"),
    ]
}


# Bugs in the driver's error paths: only injected allocation failures reach
# them, so the fault scripts (python -m torture fault) are what must catch
# them, each for the reason given (a regex over the script's output).
DRIVER_ERROR_PATHS = {
    name: _broken(name, "percpu_ida", f"{patch}.patch", expect)
    for name, patch, expect in [
        ("broken_tagblk_init_leak", "tagblk-init-unwind-leaks", r"!!! leak"),
        ("broken_tagblk_lost_on_enomem", "tagblk-submit-error-loses-request",
         r"!!! requests never ended"),
    ]
}


# Mutants that drop a barrier the kernel's memory model needs: the
# sequentially consistent engines cannot see them; TSan's fence model
# (SAN=thread, shims/tsan_fence.c) reports the race they open.
BARRIER_ONLY = {
    name: _broken(name, base, f"{patch}.patch", "data race")
    for name, base, patch in [
        ("broken_v1_steal_no_mb", "percpu_ida_v1", "v1-steal-no-barrier"),
    ]
}

def dropin_spec() -> ImageSpec | None:
    """The image named by PERCPU_IDA_SRC / PERCPU_IDA_H, if they are set."""
    src = os.environ.get("PERCPU_IDA_SRC")
    hdr = os.environ.get("PERCPU_IDA_H")
    if not src and not hdr:
        return None
    return dropin(src, hdr, os.environ.get("PERCPU_IDA_GEN") or None)


def _user_files(what: str, variables: tuple[str, str], src: str | None,
                hdr: str | None) -> tuple[Path, Path]:
    """A user's .c and header, both named and both there."""
    if not src or not hdr:
        raise InvalidArgument(f"{what} needs both {variables[0]} and {variables[1]}")
    paths = Path(src).resolve(), Path(hdr).resolve()
    for label, path in zip(variables, paths, strict=True):
        if not path.is_file():
            raise InvalidArgument(f"{label}={path}: no such file")
    return paths


def dropin(src: str | None, hdr: str | None, gen: str | None = None) -> ImageSpec:
    """An image from an upstream lib/percpu_ida.c and its header, unmodified."""
    source, header = _user_files("a drop-in", ("PERCPU_IDA_SRC", "PERCPU_IDA_H"), src, hdr)
    detected = (generation.from_name(gen, source, header) if gen
                else generation.detect(source, header))
    digest = hashlib.sha1(f"{source}\0{header}\0{detected.number}".encode()).hexdigest()[:10]
    return ImageSpec(f"dropin-{digest}", source, header, detected, dropin=True,
                     about=f"drop-in {source} (generation {detected.label})")


def mutant_spec() -> ImageSpec | None:
    """The generated mutant named by MUTANT_BASE (a port or baseline) and
    MUTANT_PATCH (its patch, as `make mutants` writes it), if they are set."""
    base, patch = os.environ.get("MUTANT_BASE"), os.environ.get("MUTANT_PATCH")
    if not base and not patch:
        return None
    if base not in {**PORTS, **BASELINES}:
        raise InvalidArgument(f"MUTANT_BASE={base!r}: use one of "
                              f"{', '.join(sorted({**PORTS, **BASELINES}))}")
    path = Path(patch or "").resolve()
    if not patch or not path.is_file():
        raise InvalidArgument(f"MUTANT_PATCH={patch!r}: no such file")
    return mutant(base, path)


def mutant(base: str, patch: Path) -> ImageSpec:
    """@base (a port or baseline) with a generated mutant's @patch on it,
    named by what it contains."""
    digest = hashlib.sha1(f"{base}\0".encode() + patch.read_bytes()).hexdigest()[:10]
    return _patched(f"mutant-{digest}", base, patch)


def sbitmap_spec() -> ImageSpec | None:
    """An upstream lib/sbitmap.c (SBITMAP_SRC, SBITMAP_H) under the blk-mq-style
    adapter of the sbitmap_tags baseline, if the variables are set."""
    src, hdr = os.environ.get("SBITMAP_SRC"), os.environ.get("SBITMAP_H")
    if not src and not hdr:
        return None
    source, header = _user_files("an sbitmap drop-in", ("SBITMAP_SRC", "SBITMAP_H"), src, hdr)
    shape = sbitmap_shape.detect(source, header)
    digest = hashlib.sha1(f"{source}\0{header}\0{shape}".encode()).hexdigest()[:10]
    return dataclasses.replace(
        BASELINES["sbitmap_tags"], name=f"sbitmap-{digest}", libs=(source,), dropin=True,
        sbitmap_header=header, defines=shape.defines,
        about=f"drop-in {source} (sbitmap, {shape.label})")


def dropins() -> list[ImageSpec]:
    """The user's files named by the environment: a percpu_ida, an sbitmap."""
    return [spec for spec in (dropin_spec(), sbitmap_spec()) if spec]


def rerun_prefix(allocator: str) -> str:
    """The variables that chose what ran (the drop-in @allocator is, a
    sanitizer), as a command's prefix: a rerun line without them would run
    something else."""
    spec = lookup(allocator)
    names = ["SAN"]
    if spec.name.startswith("mutant-"):
        names[:0] = ["MUTANT_BASE", "MUTANT_PATCH"]
    if spec.dropin and spec.percpu_ida:
        names[:0] = ["PERCPU_IDA_SRC", "PERCPU_IDA_H", "PERCPU_IDA_GEN"]
    if spec.sbitmap_header:
        names[:0] = ["SBITMAP_SRC", "SBITMAP_H"]

    def value(name: str) -> str:
        text = os.environ[name]
        return str(Path(text).resolve()) if name.endswith(("_SRC", "_H", "_PATCH")) else text

    return "".join(f"{name}={shlex.quote(value(name))} " for name in names
                   if os.environ.get(name))


def allocators() -> dict[str, ImageSpec]:
    """Every allocator the suites run on: the drop-ins (or a generated
    mutant) alone when any is set."""
    specs = [*dropins(), *filter(None, [mutant_spec()])]
    return {spec.name: spec for spec in specs} if specs else {**CORRECT, **BASELINES}


def percpu_allocators() -> dict[str, ImageSpec]:
    """The percpu_ida images among allocators(): what its own contract binds."""
    return {name: spec for name, spec in allocators().items() if spec.percpu_ida}


def lookup(name: str) -> ImageSpec:
    """An image by name; a drop-in may be named "dropin"."""
    named = {"dropin": (dropin_spec, "PERCPU_IDA_SRC and PERCPU_IDA_H"),
             "sbitmap": (sbitmap_spec, "SBITMAP_SRC and SBITMAP_H"),
             "mutant": (mutant_spec, "MUTANT_BASE and MUTANT_PATCH")}
    if name in named:
        find, needs = named[name]
        spec = find()
        if spec is None:
            raise UnknownAllocator(f"allocator {name!r} needs {needs}")
        return spec
    table = {**CORRECT, **BASELINES, **BROKEN, **INTERLEAVING_ONLY, **BARRIER_ONLY,
             **DRIVER_ERROR_PATHS}
    for spec in [*dropins(), *filter(None, [mutant_spec()])]:
        table[spec.name] = spec
    if name not in table:
        raise UnknownAllocator(
            f"unknown allocator {name!r}; known: {', '.join(sorted(table))}"
        )
    return table[name]


def coverage(spec: ImageSpec | None = None) -> bool:
    """COVERAGE=1 (make coverage): the ports are built with gcov.  Patched
    images and drop-ins are not: they count for nothing there, a mutant's race
    is timed on the plain build, and an adapter built for an upstream file's
    era puts the same functions on other lines, which gcov cannot merge."""
    on = os.environ.get("COVERAGE", "") not in ("", "0")
    return on and (spec is None or (spec.patch is None and not spec.dropin and
                                    spec.sbitmap_header is None and not spec.defines))


def build_dir(san: str | None, spec: ImageSpec | None = None) -> Path:
    return ROOT / "build" / (san or ("coverage" if coverage(spec) else "default"))


_built: set[tuple[str, str | None]] = set()
_build_lock = threading.Lock()


UNDEFINED = re.compile(r"undefined reference to `([^']+)'")


def verbose() -> bool:
    """V=1 (make V=1, or in the environment): show the compiler command lines."""
    return os.environ.get("V", "0") not in ("", "0")


def _make(spec: ImageSpec, args: list[str], san: str | None, cov: bool) -> None:
    # the compiler must not run with a sanitizer runtime preloaded into it
    env = sanitizers.child_environment(None)
    env.pop("MAKEFLAGS", None)
    env["SAN"] = san or ""
    env["COVERAGE"] = "1" if cov and not san else ""
    loud = verbose()
    proc = subprocess.run(
        ["make", "--no-print-directory", *([] if loud else ["-s"]), *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if loud:
        print(proc.stdout, end="", flush=True)
    if proc.returncode == 0:
        return
    missing = sorted(set(UNDEFINED.findall(proc.stderr)))
    if missing:
        raise MissingSymbols(
            "\n".join(f"{spec.source.name} calls {name}, which the shims do not provide"
                      for name in missing))
    raise BuildError(f"make {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def build(spec: ImageSpec, san: str | None = None) -> Path:
    """Build (if stale) and return the path of the image's shared object.
    @san defaults to the SAN environment variable."""
    san = san or sanitizers.current()
    if san is not None and san not in SANITIZERS:
        raise InvalidArgument(f"unknown sanitizer {san!r}; use one of {', '.join(SANITIZERS)}")
    out = build_dir(san, spec) / "images" / f"{spec.name}.so"
    with _build_lock:
        if (spec.name, san) in _built and out.exists():
            return out
        args = [
            "image", f"IMG={spec.name}", f"IMG_SRC={spec.source}",
            f"IMG_HDR={spec.header}", f"IMG_GEN={spec.gen.number}",
        ]
        if spec.patch:
            args.append(f"IMG_PATCH={spec.patch}")
        if not spec.percpu_ida:
            args.append(f"IMG_API={spec.api}")
        if spec.libs:
            args.append("IMG_LIBS=" + " ".join(str(lib) for lib in spec.libs))
        if spec.dropin:
            args.append("IMG_DROPIN=1")
        if spec.percpu_ida:
            args.append(f"IMG_FEATURES=-DPIDA_FOR_EACH_FREE={int(spec.gen.has_for_each_free)} "
                        f"-DPIDA_FREE_TAGS={int(spec.gen.has_free_tags)}")
        if spec.sbitmap_header:
            args += [f"IMG_SBITMAP_H={spec.sbitmap_header}", f"IMG_FEATURES={spec.defines}"]
        _make(spec, args, san, coverage(spec))
        _built.add((spec.name, san))
    return out


def tls_library(san: str | None = None) -> Path:
    """The small library holding `current`, shared by every image."""
    return build_dir(san or sanitizers.current()) / "libshimcurrent.so"
