"""Which percpu_ida API generation a drop-in is, read from its declarations.

0, the June 2013 posting: ``unsigned percpu_tag_alloc(struct percpu_tag_pool *,
gfp_t)`` returning ``TAG_FAIL``, ``percpu_tag_pool_init``/``_free``.
1, 3.12: ``int percpu_ida_alloc(pool, gfp_t)``, only ``percpu_ida_init``,
sizes are constants in the .c.  2, 3.13: ``__percpu_ida_init`` with sizes, an
iterator and free counts.  3, 3.14 on: ``percpu_ida_alloc(pool, int state)``.
Optional parts (the iterator, the free counts) are recognised one by one, so
a file that lacks one gets the checks that do not need it.

Internally a generation is numbered by the release that brought it (311 for
the posting), which is what the C adapter's ``PIDA_GEN`` compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from torture.errors import GenerationError

POSTING, GEN_312, GEN_313, GEN_314 = 311, 312, 313, 314
INDEX = {POSTING: 0, GEN_312: 1, GEN_313: 2, GEN_314: 3}
RELEASE = {POSTING: "the June 2013 posting", GEN_312: "3.12", GEN_313: "3.13",
           GEN_314: "3.14+"}

# int percpu_ida_alloc(struct percpu_ida *pool, int state) { ... or ;
ALLOC = re.compile(r"\b(int|unsigned(?:\s+int)?)\s+(percpu_ida_alloc|percpu_tag_alloc)\s*"
                   r"\(([^)]*)\)\s*([;{])")
SIZED_INIT = re.compile(r"\b__percpu_ida_init\s*\(")
FOR_EACH_FREE = re.compile(r"\bpercpu_ida_for_each_free\s*\(")
FREE_TAGS = re.compile(r"\bpercpu_ida_free_tags\s*\(")
FIXED_SIZE = re.compile(r"#define\s+(IDA_PCPU_SIZE|IDA_PCPU_BATCH_MOVE|TAG_CPU_SIZE|"
                        r"TAG_CPU_BATCH_MOVE)\s+(.+)")
FUNCTION_BODY = re.compile(r"\)\s*\{")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


@dataclass(frozen=True)
class Generation:
    """A recognised API generation and what the files offer."""

    number: int  # 311 (the posting), 312, 313 or 314
    max_size: int | None = None  # fixed per-CPU cache size, where the .c fixes it
    batch_size: int | None = None
    for_each_free: bool | None = None  # None: what the generation normally has
    free_tags: bool | None = None
    flavour: str = ""  # "sched/signal.h", "PREEMPT_RT local locks"

    @property
    def name(self) -> str:
        return RELEASE[self.number]

    @property
    def label(self) -> str:
        """How it is printed: ``3 (3.14+, sched/signal.h)``."""
        extra = f", {self.flavour}" if self.flavour else ""
        return f"{INDEX[self.number]} ({self.name}{extra})"

    @property
    def has_for_each_free(self) -> bool:
        default = self.number >= GEN_313
        return default if self.for_each_free is None else self.for_each_free

    @property
    def has_free_tags(self) -> bool:
        default = self.number >= GEN_313
        return default if self.free_tags is None else self.free_tags


def _fixed_sizes(source: str) -> tuple[int | None, int | None]:
    """Evaluate the size constants of a fixed-size .c: simple integer expressions."""
    defs = {name: expr.strip() for name, expr in FIXED_SIZE.findall(source)}
    values: dict[str, int] = {}
    for _ in range(3):  # definitions may refer to each other
        for name, expr in defs.items():
            text = expr
            for known, value in values.items():
                text = re.sub(rf"\b{known}\b", str(value), text)
            text = re.sub(r"(\d+)[uUlL]+\b", r"\1", text)
            if re.fullmatch(r"[\d\s()+\-*/]+", text):
                values[name] = int(eval(text.replace("/", "//")))  # noqa: S307 - digits only
    size = values.get("IDA_PCPU_SIZE", values.get("TAG_CPU_SIZE"))
    batch = values.get("IDA_PCPU_BATCH_MOVE", values.get("TAG_CPU_BATCH_MOVE"))
    return size, batch


@dataclass(frozen=True)
class _Alloc:
    """One alloc prototype or definition found in a file."""

    returns: str
    name: str
    params: str
    defined: bool

    @property
    def second_param_type(self) -> str | None:
        parts = [p.strip() for p in self.params.split(",")]
        if len(parts) != 2:
            return None
        words = parts[1].replace("*", " * ").split()
        if words and words[0] == "const":
            words = words[1:]
        return words[0] if words else None

    @property
    def generation(self) -> int | None:
        kind = self.second_param_type
        if self.name == "percpu_tag_alloc":
            return POSTING if kind == "gfp_t" else None
        return {"gfp_t": GEN_312, "int": GEN_314}.get(kind or "")

    def __str__(self) -> str:
        return f"{self.returns} {self.name}({' '.join(self.params.split())})"


def _allocs(text: str) -> list[_Alloc]:
    return [_Alloc(" ".join(r.split()), n, p, end == "{")
            for r, n, p, end in ALLOC.findall(text)]


def _read(path: Path) -> str:
    return COMMENT.sub(" ", path.read_text(errors="replace"))


def _check_files(source_path: Path, header_path: Path, src: str, hdr: str) -> _Alloc | None:
    """The definition of the alloc in the .c, after the checks that name a
    file passed in the wrong place or two files that disagree."""
    src_allocs, hdr_allocs = _allocs(src), _allocs(hdr)
    defined = [a for a in src_allocs if a.defined]
    declared = [a for a in hdr_allocs if not a.defined]
    if not defined and (any(not a.defined for a in src_allocs) or not FUNCTION_BODY.search(src)):
        raise GenerationError(
            f"PERCPU_IDA_SRC={source_path} is a header, not the allocator's .c (it defines "
            f"no allocator function); pass lib/percpu_ida.c as PERCPU_IDA_SRC and its header "
            f"as PERCPU_IDA_H")
    if any(a.defined for a in hdr_allocs):
        raise GenerationError(
            f"PERCPU_IDA_H={header_path} defines {[a for a in hdr_allocs if a.defined][0]}: "
            f"that is the allocator's .c; pass it as PERCPU_IDA_SRC and the header as "
            f"PERCPU_IDA_H")
    if not defined and not declared:
        return None
    if not defined:
        raise GenerationError(
            f"PERCPU_IDA_SRC={source_path} defines no percpu_ida_alloc() or "
            f"percpu_tag_alloc(): it is not the allocator's source")
    if declared and declared[0].generation != defined[0].generation:
        raise GenerationError(
            f"PERCPU_IDA_SRC={source_path} defines {defined[0]} but PERCPU_IDA_H="
            f"{header_path} declares {declared[0]}: the .c and the header are of "
            f"different API generations")
    return defined[0]


def detect(source_path: Path, header_path: Path) -> Generation:
    """Read both files and name their generation, or explain why not."""
    src, hdr = _read(source_path), _read(header_path)
    alloc = _check_files(source_path, header_path, src, hdr)
    number = alloc.generation if alloc else None
    if number is None:
        found = f"found {alloc}" if alloc else "found no percpu_ida_alloc() prototype"
        raise GenerationError(
            f"cannot recognise the percpu_ida API generation of {source_path} + {header_path}: "
            f"{found}; set PERCPU_IDA_GEN=0|1|2|3 to say")
    return _describe(number, src, hdr)


def _describe(number: int, src: str, hdr: str) -> Generation:
    text = src + "\n" + hdr
    if number == GEN_312 and SIZED_INIT.search(text):
        number = GEN_313
    flavour = ""
    if re.search(r"#include\s*<linux/locallock\.h>|\blocal_lock\w*\s*\(", src):
        flavour = "PREEMPT_RT local locks"
    elif re.search(r"#include\s*<linux/sched/signal\.h>", src):
        flavour = "sched/signal.h"
    max_size, batch = _fixed_sizes(text) if number < GEN_313 else (None, None)
    return Generation(number, max_size, batch,
                      for_each_free=bool(FOR_EACH_FREE.search(text)),
                      free_tags=bool(FREE_TAGS.search(text)), flavour=flavour)


def from_name(value: str, source_path: Path | None = None,
              header_path: Path | None = None) -> Generation:
    """A generation given by the user: 0-3, or the release (3.12, 312, ...).
    With the files, what else they declare (iterator, counts) is still read."""
    names = {"0": POSTING, "posting": POSTING, "311": POSTING,
             "1": GEN_312, "3.12": GEN_312, "312": GEN_312,
             "2": GEN_313, "3.13": GEN_313, "313": GEN_313,
             "3": GEN_314, "3.14": GEN_314, "3.14+": GEN_314, "314": GEN_314}
    number = names.get(value.strip())
    if number is None:
        raise GenerationError(f"unknown API generation PERCPU_IDA_GEN={value!r}: use 0 (the "
                              f"June 2013 posting), 1 (3.12), 2 (3.13) or 3 (3.14+)")
    if source_path is None or header_path is None:
        return Generation(number)
    src, hdr = _read(source_path), _read(header_path)
    _check_files(source_path, header_path, src, hdr)
    described = _describe(number, src, hdr)
    return Generation(number, described.max_size, described.batch_size,
                      described.for_each_free, described.free_tags, described.flavour)
