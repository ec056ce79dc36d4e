"""Upstream lib/sbitmap.c as a drop-in (SBITMAP_SRC, SBITMAP_H): files of two
API eras written here (pytests/data/sbitmap/), each driven through the
sbitmap_tags adapter the way blk-mq of its era drove it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_explore_found_nothing

from torture import images, sbitmap_shape
from torture.errors import GenerationError

DATA = Path(__file__).parent / "data/sbitmap"
SHAPES = {
    "early": "early: alloc hint in the queue",
    "late": "late: alloc hint in the bitmap, counted waits, batch get/clear",
}


def env_for(src: Path, hdr: Path) -> dict[str, str]:
    env = {**os.environ, "SBITMAP_SRC": str(src), "SBITMAP_H": str(hdr)}
    for name in ("PERCPU_IDA_SRC", "PERCPU_IDA_H", "PERCPU_IDA_GEN", "MAKEFLAGS"):
        env.pop(name, None)
    return env


def cli(env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", *args], cwd=images.ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_upstream_shape_is_recognised(shape):
    found = sbitmap_shape.detect(DATA / shape / "sbitmap.c", DATA / shape / "sbitmap.h")
    assert found.label == SHAPES[shape]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_upstream_sbitmap_through_every_suite(shape, tmp_path):
    """Built unmodified; a short torture, the deterministic suite, the
    contract tests and a benchmark point, all with the same variables."""
    env = env_for(DATA / shape / "sbitmap.c", DATA / shape / "sbitmap.h")
    listed = cli(env, "list")
    assert f"(sbitmap, {SHAPES[shape]})" in listed.stdout, listed.stdout + listed.stderr

    torture = cli(env, "run", "--torture_type", "sbitmap", "--duration", "1",
                  "--stat_interval", "0", "--seed", "5")
    assert torture.returncode == 0, torture.stdout[-3000:] + torture.stderr
    assert "End of test: SUCCESS: SBITMAP_SRC=" in torture.stdout

    explore = cli(env, "explore", "sbitmap")
    assert_explore_found_nothing(explore)

    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "pytests/test_percpu_ida.py"],
        cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert suite.returncode == 0, suite.stdout[-3000:]
    passed = re.search(r"(\d+) passed", suite.stdout)
    assert passed and int(passed.group(1)) >= 10, suite.stdout[-3000:]

    bench = cli(env, "bench", "--allocators", "sbitmap", "--workloads", "local",
                "--spaces", "small", "--threads", "1", "--duration", "0.05", "--rounds", "1",
                "--fastpath-rounds", "0", "--steal-rounds", "0", "--no-plots",
                "--out", str(tmp_path))
    assert bench.returncode == 0, bench.stdout[-2000:] + bench.stderr
    assert re.search(r"^  sbitmap +1 +[\d.]+ +[\d.]+", bench.stdout, re.M), bench.stdout


def test_a_lost_wakeup_in_an_upstream_sbitmap_is_caught(tmp_path):
    """The late shape with the free's wakeup dropped: sleepers stay asleep."""
    src = tmp_path / "sbitmap.c"
    text = (DATA / "late/sbitmap.c").read_text()
    drop = "\tsbitmap_queue_wake_up(sbq, 1);\n"
    assert drop in text
    src.write_text(text.replace(drop, "", 1))
    env = env_for(src, DATA / "late/sbitmap.h")
    torture = cli(env, "run", "--torture_type", "sbitmap", "--duration", "30",
                  "--stat_interval", "0", "--stall_timeout", "1", "--seed", "5")
    assert torture.returncode == 1, torture.stdout[-3000:]
    assert "!!! [liveness] stall:" in torture.stdout


def test_an_sbitmap_header_of_no_known_era(tmp_path):
    hdr = tmp_path / "sbitmap.h"
    hdr.write_text((DATA / "late/sbitmap.h").read_text().replace(
        "void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,\n"
        "\t\t\t unsigned int cpu);",
        "void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr);"))
    proc = cli(env_for(DATA / "late/sbitmap.c", hdr), "run", "--torture_type", "sbitmap")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: SBITMAP_H={hdr} declares sbitmap_queue_clear(struct sbitmap_queue *sbq, "
        f"unsigned int nr): the adapter drives sbitmap_queue_clear(sbq, nr, cpu), the call "
        f"of every release from 4.10 on"]


def test_our_own_baseline_header_is_not_an_upstream_one():
    with pytest.raises(GenerationError, match="declares no sbitmap_queue_init_node"):
        sbitmap_shape.detect(images.PORT / "lib/sbitmap.c",
                             images.PORT / "include/linux/sbitmap.h")


def test_only_one_sbitmap_variable(monkeypatch):
    monkeypatch.setenv("SBITMAP_SRC", str(DATA / "late/sbitmap.c"))
    monkeypatch.delenv("SBITMAP_H", raising=False)
    with pytest.raises(images.InvalidArgument, match="needs both SBITMAP_SRC and SBITMAP_H"):
        images.lookup("sbitmap")
