"""Every check of the torture run is proven by a bug it alone was made to
catch: a catalogue image, or a one-edit drop-in of the port, run through the
default campaign, must fail with that check's id.  A check proven elsewhere
(it needs a sanitizer build, or a hang) names the test that proves it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import generations
import pytest

from torture import checks, det_suite, planted, report, runner
from torture.explore import Random, explore

# (old, new) edits of the port for the checks no catalogue image proves
EDITS = {
    "range": ("\treturn tag;\n}\nEXPORT_SYMBOL_GPL(percpu_ida_alloc);",
              "\treturn tag == (int)pool->nr_tags - 1 ? (int)pool->nr_tags : tag;\n}\n"
              "EXPORT_SYMBOL_GPL(percpu_ida_alloc);"),
    "counters": ("\tif (cpu == nr_cpu_ids)\n\t\treturn data_race(READ_ONCE(pool->nr_free));\n",
                 "\tif (cpu == nr_cpu_ids)\n"
                 "\t\treturn data_race(READ_ONCE(pool->nr_free)) + 1;\n"),
    "leak": ("\tfree_percpu(pool->tag_cpu);\n\tfree_pages(",
             "\tfree_pages("),
    "init": ("\tpool->tag_cpu = __alloc_percpu(cache_bytes, sizeof(unsigned int));",
             "\tpool->tag_cpu = NULL;"),
}

# check id: (image, edit or planted bug, extra parameters) run here
RUN = {
    "ownership": ("broken_steal_nolock", None, {}),
    "range": ("dropin", "range", {}),
    "init": ("dropin", "init", {}),
    "alloc-error": ("broken_wait_no_loop", None, {}),
    "counters": ("dropin", "counters", {}),
    "conservation": ("dropin", "steal_drops_a_tag", {}),
    "redzone": ("dropin", "cache_sized_in_bytes", {}),
    "cache-bound": ("dropin", "caches_twice_max", {"nr_tags": 32}),
    # without sleepers the quiescent check is availability, not liveness
    "availability": ("broken_no_cpumask_bit", None, {"sleepers": 0}),
    "liveness": ("broken_no_wake", None, {}),
    "kernel-report": ("broken_free_irqs_on", None, {}),
    "leak": ("dropin", "leak", {}),
    "crash": ("broken_v1_pop", None, {}),
}

# check id: the test that proves it, and why not here
ELSEWHERE = {
    "progress": ("test_verdicts", "test_a_task_spinning_with_irqs_off_is_no_progress"),
    "sanitizer": ("test_sanitizers", "test_tsan_reports_the_race_of_a_broken_steal"),
    "drain": ("test_checks", "test_the_drain_check_finds_a_lost_tag_without_an_iterator"),
    # the driver's requests: checked by its deterministic scenario (DET_CHECK there)
    "driver": ("test_det", "test_suite_catches_mutant_and_replays"),
}

# harness assertions no allocator bug can reach: the harness chooses what a
# task frees or hands off, so a wrong owner there is the harness's own bug
UNREACHABLE = {"ledger"}


def test_every_check_is_proven():
    assert set(checks.IDS) == set(RUN) | set(ELSEWHERE) | UNREACHABLE
    for module, test in ELSEWHERE.values():
        assert hasattr(importlib.import_module(module), test), (module, test)


@pytest.mark.parametrize("check", sorted(RUN))
def test_the_check_alone_catches_its_bug(check, tmp_path, monkeypatch):
    image, bug, params = RUN[check]
    if bug:
        env = (planted.PLANTED[bug].write(tmp_path) if bug in planted.PLANTED
               else planted.dropin(tmp_path, *EDITS[bug]))
        for name in ("PERCPU_IDA_SRC", "PERCPU_IDA_H"):
            monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("SAN", raising=False)  # a crash must be a crash
    result = runner.run_isolated(runner.TortureParams(
        torture_type=image, duration=20.0, stat_interval=0, stall_timeout=2.0, seed=1,
        **params), emit=lambda _: None)
    assert not result.success
    assert checks.check_of(result.reason) == check, result.reason


def test_a_failure_line_names_its_check(tmp_path):
    out = tmp_path / "result.json"
    result = runner.run_isolated(runner.TortureParams(
        torture_type="broken_no_wake", duration=20.0, stat_interval=0, stall_timeout=2.0,
        seed=1), emit=lambda _: None)
    end = report.end_lines(result)  # the CLI's own closing lines
    assert re.match(r"broken_no_wake-torture: !!! \[liveness\] stall: ", end[1]), end
    report.save_json(result, out)
    assert '"check": "liveness"' in Path(out).read_text()


def test_unknown_reasons_have_no_check():
    assert checks.check_of("something else") == "unknown"
    assert checks.check_of("kernel reported:\nBUG: Redzone overwritten: ...") == "redzone"
    assert checks.check_of("kernel reported:\nWARNING: at x") == "kernel-report"


def test_the_drain_check_finds_a_lost_tag_without_an_iterator(tmp_path, monkeypatch):
    """A 3.12 file has no iterator: at the end nr_tags sleeping allocations
    must return every tag.  Tags enough that nobody runs short, so that only
    the drain can see the one a thief lost."""
    src, hdr = generations.write(tmp_path)
    bug = planted.PLANTED["steal_drops_a_tag"]
    src.write_text(src.read_text().replace(bug.old, bug.new, 1))
    monkeypatch.setenv("PERCPU_IDA_SRC", str(src))
    monkeypatch.setenv("PERCPU_IDA_H", str(hdr))
    result = runner.run_isolated(runner.TortureParams(
        torture_type="dropin", duration=3.0, stat_interval=0, stall_timeout=2.0, seed=1,
        nr_tags=40, hold=4, sleepers=0), emit=lambda _: None)
    assert not result.success
    assert checks.check_of(result.reason) == "drain", result.reason


ITERATOR_FAILS = ("out:\n\tlocal_irq_restore(flags);\n\treturn ret;\n}\n"
                  "EXPORT_SYMBOL_GPL(percpu_ida_for_each_free);",
                  "out:\n\tlocal_irq_restore(flags);\n\treturn ret ? ret : -EIO;\n}\n"
                  "EXPORT_SYMBOL_GPL(percpu_ida_for_each_free);")


def test_an_iterator_that_fails_without_a_bug_fails_both_engines(tmp_path, monkeypatch):
    """for_each_free() returning -EIO, though its callback never asked it to
    stop, walks every tag all the same: only its return value is wrong.
    Both engines' conservation checks call it and must fail, not pass."""
    env = planted.dropin(tmp_path, *ITERATOR_FAILS)
    for name in ("PERCPU_IDA_SRC", "PERCPU_IDA_H"):
        monkeypatch.setenv(name, env[name])
    outcome = explore("dropin", det_suite.standard(), Random(seed=1, runs=10), trace=False)
    assert checks.det_check_of(outcome.verdict, outcome.message) == "conservation"
    assert "for_each_free returned -5" in outcome.message
    result = runner.run_isolated(runner.TortureParams(
        torture_type="dropin", duration=10.0, stat_interval=0, seed=1), emit=lambda _: None)
    assert checks.check_of(result.reason) == "conservation", result.reason
    assert "for_each_free returned -5" in result.reason
