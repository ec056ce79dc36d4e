"""Drop-in: an upstream-style lib/percpu_ida.c and header, built unmodified."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import generations
import pytest
from conftest import assert_explore_found_nothing, wait_for_state

from torture import Kernel, NoTags, Unsupported, images, runner
from torture.errors import BuildError, GenerationError, InvalidArgument
from torture.generation import INDEX
from torture.kernel import TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE

PORT_SRC = images.PORT / "lib/percpu_ida.c"
PORT_HDR = images.PORT / "include/linux/percpu_ida.h"


@pytest.fixture
def dropin_env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name in ("SBITMAP_SRC", "SBITMAP_H"):  # this percpu_ida drop-in alone
        monkeypatch.delenv(name, raising=False)

    def point(src: Path, hdr: Path, gen: str | None = None) -> None:
        monkeypatch.setenv("PERCPU_IDA_SRC", str(src))
        monkeypatch.setenv("PERCPU_IDA_H", str(hdr))
        if gen:
            monkeypatch.setenv("PERCPU_IDA_GEN", gen)
        else:
            monkeypatch.delenv("PERCPU_IDA_GEN", raising=False)
    return point


def test_own_port_through_the_dropin_path(dropin_env, make_kernel):
    dropin_env(PORT_SRC, PORT_HDR)
    assert list(images.allocators()) == [images.dropin_spec().name]
    k = make_kernel("dropin")
    assert k.generation == 314
    pool = k.pool(64, 8, 4)
    assert sorted(pool.alloc(cpu=i % 2) for i in range(64)) == list(range(64))


def test_make_builds_the_dropin_image():
    env = {**os.environ, "PERCPU_IDA_SRC": str(PORT_SRC), "PERCPU_IDA_H": str(PORT_HDR)}
    env.pop("MAKEFLAGS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "torture", "build"], cwd=images.ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "dropin-" in proc.stdout


def test_gfp_generation_is_detected_and_driven(dropin_env, make_kernel, tmp_path, background):
    src, hdr = generations.write(tmp_path)
    dropin_env(src, hdr)
    k = make_kernel("dropin")
    assert k.generation == 312
    pool = k.pool(100)
    assert (pool.max_size, pool.batch_size) == (48, 32)  # read from the .c
    tags = [pool.alloc(cpu=i % 2) for i in range(100)]
    assert sorted(tags) == list(range(100))
    with pytest.raises(NoTags):
        pool.alloc(cpu=0)
    sleeper = k.task("sleeper")
    bg = background(lambda: pool.alloc(cpu=0, state=TASK_UNINTERRUPTIBLE, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    pool.free(tags[5], cpu=1)
    assert bg.outcome() == tags[5]
    for missing in (lambda: pool.alloc(state=TASK_INTERRUPTIBLE), pool.for_each_free,
                    lambda: pool.free_tags(0), lambda: k.pool(10, 8, 4)):
        with pytest.raises(Unsupported):
            missing()


def test_gfp_generation_survives_torture(dropin_env, tmp_path):
    src, hdr = generations.write(tmp_path)
    dropin_env(src, hdr)
    result = runner.run(runner.TortureParams(torture_type="dropin", duration=1,
                                             stat_interval=0), emit=lambda _: None)
    assert result.success, result.reason


def test_missing_dropin_file(dropin_env, tmp_path):
    dropin_env(tmp_path / "nope.c", PORT_HDR)
    with pytest.raises(InvalidArgument, match="PERCPU_IDA_SRC=.*nope.c: no such file"):
        Kernel("dropin")


def test_only_one_dropin_variable(monkeypatch):
    monkeypatch.setenv("PERCPU_IDA_SRC", str(PORT_SRC))
    monkeypatch.delenv("PERCPU_IDA_H", raising=False)
    with pytest.raises(InvalidArgument, match="needs both"):
        Kernel("dropin")


def test_dropin_that_does_not_compile(dropin_env, tmp_path):
    bad = tmp_path / "percpu_ida.c"
    bad.write_text(PORT_SRC.read_text().replace("pida_transfer(cache->freelist",
                                                "pida_transfer(cache->no_such_field", 1))
    dropin_env(bad, PORT_HDR)
    with pytest.raises(BuildError, match="no member named .no_such_field."):
        Kernel("dropin")


def test_unrecognised_generation(dropin_env, tmp_path):
    hdr = tmp_path / "percpu_ida.h"
    hdr.write_text(PORT_HDR.read_text().replace("int percpu_ida_alloc(struct percpu_ida *pool, "
                                                "int state);", "/* alloc is elsewhere */"))
    src = tmp_path / "percpu_ida.c"
    src.write_text(PORT_SRC.read_text().replace("int percpu_ida_alloc(struct percpu_ida *pool,"
                                                " int state)", "int percpu_ida_alloc(void *p)"))
    dropin_env(src, hdr)
    with pytest.raises(GenerationError, match="cannot recognise the percpu_ida API generation"):
        Kernel("dropin")


def test_generation_can_be_told(dropin_env, make_kernel):
    dropin_env(PORT_SRC, PORT_HDR, gen="3.14")
    assert make_kernel("dropin").generation == 314
    with pytest.raises(GenerationError, match="unknown API generation"):
        dropin_env(PORT_SRC, PORT_HDR, gen="2.6")
        Kernel("dropin")


@pytest.mark.parametrize("name", list(generations.MATRIX))
def test_generation_matrix(name, tmp_path):
    """Each generation's file builds unmodified, is recognised as what it is,
    and passes a short torture, the deterministic suite and the drop-in suite
    (the contract and driver tests, run with the same variables)."""
    writer, number, flavour = generations.MATRIX[name]
    src, hdr = writer(tmp_path / name)
    env = {**os.environ, "PERCPU_IDA_SRC": str(src), "PERCPU_IDA_H": str(hdr)}
    env.pop("PERCPU_IDA_GEN", None)
    env.pop("MAKEFLAGS", None)
    spec = images.dropin(str(src), str(hdr))
    assert (spec.gen.number, spec.gen.flavour) == (number, flavour)

    torture = subprocess.run(
        [sys.executable, "-m", "torture", "run", "--torture_type", "dropin", "--duration", "1",
         "--stat_interval", "0", "--seed", "5"],
        cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert torture.returncode == 0, torture.stdout + torture.stderr
    assert "End of test: SUCCESS" in torture.stdout
    assert f"PERCPU_IDA_SRC={src}" in torture.stdout  # the rerun line says what ran
    assert f"dropin-torture: drop-in {src} (generation {spec.gen.label})" in torture.stdout

    explore = subprocess.run(
        [sys.executable, "-m", "torture", "explore", "dropin"],
        cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert_explore_found_nothing(explore)
    assert explore.stdout.startswith(f"drop-in {src} (generation {spec.gen.label})")

    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "pytests/test_percpu_ida.py", "pytests/test_driver.py"],
        cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert suite.returncode == 0, suite.stdout[-3000:]
    passed = re.search(r"(\d+) passed", suite.stdout)
    assert passed and int(passed.group(1)) >= 10, suite.stdout[-3000:]
    # what a generation lacks is skipped in its name, never silently
    for reason in re.findall(r"SKIPPED \[\d+\] .*?: (.*)", suite.stdout):
        assert f"API generation {INDEX[number]} " in reason, reason


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env.items() if k != "MAKEFLAGS"}
    return subprocess.run([sys.executable, "-m", "torture", *args], cwd=images.ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def dropin_cli_env(src: Path, hdr: Path) -> dict[str, str]:
    env = {**os.environ, "PERCPU_IDA_SRC": str(src), "PERCPU_IDA_H": str(hdr)}
    env.pop("PERCPU_IDA_GEN", None)
    return env


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2 and one line on stderr that says what is wrong."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_call_the_shims_lack_is_named_at_build_time(tmp_path):
    src = tmp_path / "percpu_ida.c"
    src.write_text(PORT_SRC.read_text().replace(
        "\tBUG_ON(tag >= pool->nr_tags);\n",
        "\tBUG_ON(tag >= pool->nr_tags);\n\tno_such_kernel_function(pool);\n", 1)
        .replace("#include <linux/percpu_ida.h>",
                 "#include <linux/percpu_ida.h>\nvoid no_such_kernel_function(void *p);"))
    line = one_error_line(cli(dropin_cli_env(src, PORT_HDR), "run", "--torture_type", "dropin",
                              "--duration", "1"))
    assert line == ("error: percpu_ida.c calls no_such_kernel_function, which the shims "
                    "do not provide")


def test_a_header_passed_as_the_source(tmp_path):
    line = one_error_line(cli(dropin_cli_env(PORT_HDR, PORT_HDR), "run", "--torture_type",
                              "dropin"))
    assert f"PERCPU_IDA_SRC={PORT_HDR} is a header, not the allocator's .c" in line


def test_the_source_passed_as_the_header(tmp_path):
    line = one_error_line(cli(dropin_cli_env(PORT_SRC, PORT_SRC), "explore", "dropin"))
    assert f"PERCPU_IDA_H={PORT_SRC} defines" in line and "pass it as PERCPU_IDA_SRC" in line


def test_a_source_without_the_entry_points(tmp_path):
    src = tmp_path / "other.c"
    src.write_text("#include <linux/kernel.h>\n\nint unrelated(int x)\n{\n\treturn x;\n}\n")
    line = one_error_line(cli(dropin_cli_env(src, PORT_HDR), "run", "--torture_type", "dropin"))
    assert f"PERCPU_IDA_SRC={src} defines no percpu_ida_alloc()" in line


def test_a_source_and_header_of_different_generations(tmp_path):
    src, _ = generations.write(tmp_path / "gen1")  # gfp_t alloc, with the 3.14 header
    line = one_error_line(cli(dropin_cli_env(src, PORT_HDR), "run", "--torture_type", "dropin"))
    assert "different API generations" in line
    assert f"PERCPU_IDA_SRC={src} defines int percpu_ida_alloc(struct percpu_ida *pool, " \
           "gfp_t gfp)" in line
    assert f"PERCPU_IDA_H={PORT_HDR} declares int percpu_ida_alloc(struct percpu_ida *pool, " \
           "int state)" in line


def test_a_forced_generation_the_file_is_not_fails_the_build(dropin_env, tmp_path):
    src, hdr = generations.write(tmp_path / "gen1")
    dropin_env(src, hdr, gen="3")
    with pytest.raises(BuildError, match="not of the API generation it was built as"):
        Kernel("dropin")


def test_kernel_port_never_shadows_a_dropins_kernel_headers(dropin_env, make_kernel, tmp_path):
    """The ida baseline's <linux/idr.h> defines struct ida; a drop-in that
    includes the kernel's <linux/idr.h> and has its own struct ida builds."""
    src = tmp_path / "percpu_ida.c"
    src.write_text(PORT_SRC.read_text().replace(
        "#include <linux/percpu_ida.h>",
        "#include <linux/percpu_ida.h>\n\nstruct ida {\n\tint mine;\n};\n"))
    dropin_env(src, PORT_HDR)
    assert "#include <linux/idr.h>" in src.read_text()
    k = make_kernel("dropin")
    assert k.pool(8, 4, 2).alloc(cpu=0) >= 0


def test_v1_shows_the_compiler_command_lines(tmp_path):
    src = tmp_path / "percpu_ida.c"
    src.write_text(PORT_SRC.read_text() + "\n/* a fresh image */\n")
    env = {**dropin_cli_env(src, PORT_HDR), "V": "1"}
    proc = cli(env, "build")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"\bg?cc .*-c {re.escape(str(src))} ", proc.stdout), proc.stdout[-2000:]
    assert "-idirafter kernel_port/include" in proc.stdout
