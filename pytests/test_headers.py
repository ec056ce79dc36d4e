"""The shims' include graph: every header stands alone, and each brings what
its kernel namesake brings transitively (real files rely on both)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from torture.images import ROOT

SHIM_INCLUDE = ROOT / "shims/include"
CORPUS = Path(__file__).parent / "data/includes"
HEADERS = sorted(str(p.relative_to(SHIM_INCLUDE)) for p in SHIM_INCLUDE.rglob("*.h"))
FLAGS = ["-std=gnu11", "-D_GNU_SOURCE", "-fsyntax-only", "-Wall", "-Werror",
         "-Wno-unused-function", f"-I{SHIM_INCLUDE}"]


def compile_c(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["gcc", *FLAGS, "-x", "c", "-"], input=text,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("header", HEADERS)
def test_header_compiles_on_its_own(header: str) -> None:
    proc = compile_c(f"#include <{header}>\n")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("probe", sorted(p.name for p in CORPUS.glob("*.c")))
def test_header_brings_what_its_namesake_brings(probe: str) -> None:
    """Each corpus file includes one kernel header and uses what the kernel's
    pulls in; it must compile with -Werror (an implicit declaration fails)."""
    proc = compile_c((CORPUS / probe).read_text())
    assert proc.returncode == 0, proc.stderr


def test_the_corpus_covers_the_headers_real_files_lean_on() -> None:
    """spec/generations.md names the headers whose transitive includes real
    files depend on: each has a probe."""
    included = {line.split("<")[1].split(">")[0]
                for p in CORPUS.glob("*.c") for line in p.read_text().splitlines()
                if line.startswith("#include <")}
    for name in ("percpu", "sched", "slab", "mm", "idr", "wait", "spinlock", "cpumask",
                 "bitmap", "gfp", "interrupt", "sched/signal"):
        assert f"linux/{name}.h" in included, name
