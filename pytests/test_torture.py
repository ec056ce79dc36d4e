"""The torture run: SUCCESS on every correct allocator, FAILURE on broken ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from torture import images, runner, sanitizers

QUICK = {"duration": 2.5, "stat_interval": 0.5, "stutter": 1.0}


@pytest.mark.parametrize("allocator", sorted(images.allocators()))
@pytest.mark.parametrize("shape", [
    {},
    {"nr_cpus": 3, "nr_tasks": 5, "sleepers": 40},  # more tasks than vCPUs and cores
    {"nr_cpus": 4, "nr_tasks": 4, "cross_cpu_free": 60, "hold": 3},
])
def test_correct_allocators_survive(allocator, shape):
    lines: list[str] = []
    result = runner.run(runner.TortureParams(torture_type=allocator, **QUICK, **shape),
                        emit=lines.append)
    assert result.success, result.reason
    assert result.stats["errors"] == 0
    assert result.stats["allocs"] + result.stats["irq_allocs"] == result.stats["frees"] > 10_000
    assert result.stats["cross_frees"] > 0 and result.stats["sleeps"] > 0
    assert result.stats["irqs"] > 0 and result.stats["signals"] > 0
    assert result.stats["onoff_ops"] > 0 and result.stats["stutters"] > 0
    assert lines[0].startswith("--- Start of test: torture_type=")


def test_the_catalogue_has_a_broken_version_of_every_allocator():
    assert len(images.BROKEN) >= 8
    mutants = [*images.BROKEN.values(), *images.INTERLEAVING_ONLY.values()]
    broken = {spec.source.name for spec in mutants}
    assert broken == {spec.source.name for spec in [*images.PORTS.values(),
                                                     *images.BASELINES.values()]}


@pytest.mark.parametrize("name", sorted(images.BROKEN))
def test_broken_allocators_fail_for_the_right_reason(name):
    """The default campaign, shortened, in a child process (some of them crash)."""
    spec = images.BROKEN[name]
    result = runner.run_isolated(
        runner.TortureParams(torture_type=name, duration=20.0, stat_interval=0,
                             stall_timeout=2.0),
        emit=lambda _: None,
    )
    assert not result.success
    expect = spec.expect + ("|sanitizer" if os.environ.get("SAN") else "")
    assert re.search(expect, result.reason), result.reason
    assert result.elapsed < 20.0, "the failure should stop the run at once"


def test_a_stall_says_where_the_free_tags_are():
    """A sleeper beside free tags: the report names the global count, the
    caches that hold them, and how many steals were tried meanwhile."""
    result = runner.run_isolated(
        runner.TortureParams(torture_type="broken_no_wake", duration=30.0, stat_interval=0,
                             stall_timeout=1.0, seed=11),
        emit=lambda _: None,
    )
    assert not result.success
    assert re.search(r"stall: .* tags free \(global \d+, cached: (none|cpu\d \d+).*; "
                     r"\d+ steal attempts in the last [\d.]+ s\)", result.reason), result.reason


def test_a_crash_is_a_failure_with_its_last_operations(monkeypatch):
    monkeypatch.delenv("SAN", raising=False)  # a plain build, so the crash is a crash
    result = runner.run_isolated(
        runner.TortureParams(torture_type="broken_v1_pop", duration=20.0, stat_interval=0),
        emit=lambda _: None,
    )
    assert not result.success
    assert "crash: the kernel process killed by SIGSEGV" in result.reason
    assert re.search(r"(alloc|free ) tag \d+ by task \d on cpu \d", result.reason)


# about the command line, not the build: the plain images even under make coverage
PLAIN_ENV = {**sanitizers.child_environment(None), "COVERAGE": ""}


def test_cli_end_of_test_line_json_and_rerun(tmp_path):
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, "-m", "torture", "run", "--torture_type", "broken_steal_nolock",
         "--duration", "20", "--seed", "1234", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=PLAIN_ENV,
    )
    assert proc.returncode == 1
    assert "--- Start of test: torture_type=broken_steal_nolock" in proc.stdout
    assert "seed=1234" in proc.stdout
    assert "!!! double allocation: tag" in proc.stdout
    assert "history of tag" in proc.stdout
    end = [line for line in proc.stdout.splitlines() if "End of test: FAILURE" in line]
    assert len(end) == 1
    rerun = end[0].split("FAILURE: ", 1)[1]
    assert rerun.startswith("python -m torture run ") and "--seed 1234" in rerun
    data = json.loads(out.read_text())
    assert data["success"] is False and data["params"]["seed"] == 1234


def test_cli_success_exit_code():
    proc = subprocess.run(
        [sys.executable, "-m", "torture", "run", "--duration", "1", "--stat_interval", "0.3"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"percpu_ida-torture: t=\d", proc.stdout)
    assert "--- End of test: SUCCESS" in proc.stdout


def test_help_documents_every_parameter():
    proc = subprocess.run([sys.executable, "-m", "torture", "run", "--help"],
                          capture_output=True, text=True, timeout=60)
    for f in runner.TortureParams.__dataclass_fields__:
        assert f"--{f}" in proc.stdout


def test_bad_torture_parameters():
    proc = subprocess.run([sys.executable, "-m", "torture", "run", "--torture_type", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown allocator 'nope'" in proc.stderr
