"""The default campaign under each sanitizer: clean on correct allocators,
and TSan names the race of a broken one.  Under TSan the kernel's barriers
are modelled (shims/tsan_fence.c): a missing one is a race."""

from __future__ import annotations

import subprocess
import sys

import pytest

from torture import images, runner, sanitizers
from torture.sanitizers import SANITIZERS


def campaign(monkeypatch: pytest.MonkeyPatch, san: str, allocator: str,
             duration: float) -> runner.TortureResult:
    monkeypatch.setenv("SAN", san)
    lines: list[str] = []
    result = runner.run_isolated(
        runner.TortureParams(torture_type=allocator, duration=duration, stat_interval=0),
        emit=lines.append,
    )
    result.reports.extend(lines)
    return result


@pytest.mark.parametrize("san", SANITIZERS)
@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_default_campaign_is_clean(monkeypatch, san, allocator):
    result = campaign(monkeypatch, san, allocator, 2.0)
    assert result.success, result.reason + "\n" + "\n".join(result.reports[-40:])


@pytest.mark.parametrize("allocator", sorted(images.BASELINES))
def test_the_baselines_are_race_free(monkeypatch, allocator):
    result = campaign(monkeypatch, "thread", allocator, 1.5)
    assert result.success, result.reason + "\n" + "\n".join(result.reports[-40:])


def test_tsan_reports_the_race_of_a_broken_steal(monkeypatch):
    result = campaign(monkeypatch, "thread", "broken_steal_nolock", 20.0)
    assert not result.success
    assert "sanitizer: thread reported" in result.reason
    assert "data race" in result.reason
    output = "\n".join(result.reports)
    assert "pida_steal" in output  # the report points at the thief


# Message passing (selftest_api.c's mp_* pairs): does TSan see a race on the
# data?  Exactly when the pair lacks an ordering the kernel requires.
MESSAGE_PASSING = {
    "wmb_rmb": False,
    "no_wmb": True,
    "no_rmb": True,
    "mb_mb": False,
    "release_acquire": False,
    "wmb_acquire": False,
    "release_rmb": False,
    "release_no_rmb": True,  # READ_ONCE() is no acquire
    "xchg_rmb": False,  # a value-returning RMW is a full barrier
    "xchg_relaxed_rmb": True,  # ... a _relaxed one is none
    "wmb_cond_load": False,
    "bitop_rmb": False,  # smp_mb__before_atomic(); set_bit()
    "bare_bitop_rmb": True,
    "pointer": False,  # rcu_assign_pointer() / rcu_dereference()
}

# writer on CPU 0, reader on CPU 1, at once; a TSan report ends the process
PAIR = """
import sys, threading
from torture.kernel import Kernel
k = Kernel("percpu_ida", 2, san="thread")
name = "mp_" + sys.argv[1]
k.selftest(name, arg=0)
reader = k.task("reader")
seen = []
t = threading.Thread(target=lambda: seen.append(k.selftest(name, cpu=1, arg=2, task=reader)))
t.start()
k.selftest(name, cpu=0, arg=1, task=k.task("writer"))
t.join()
print("read", *seen)
"""


@pytest.mark.parametrize("pair", sorted(MESSAGE_PASSING))
def test_tsan_reports_a_message_passing_pair_without_the_kernels_ordering(pair):
    images.build(images.lookup("percpu_ida"), "thread")
    proc = subprocess.run([sys.executable, "-c", PAIR, pair], capture_output=True, text=True,
                          timeout=300, env=sanitizers.child_environment("thread"))
    if MESSAGE_PASSING[pair]:
        assert proc.returncode == 66, proc.stdout + proc.stderr
        assert "data race" in proc.stderr and "st_mp_read" in proc.stderr
        assert "'st_mp_data'" in proc.stderr  # on the data, not on the flag
    else:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.split() == ["read", "42"]


def test_tsan_reports_a_barrier_missing_from_design_b(monkeypatch):
    """The thief's smp_mb() between its copy and handing the cache back:
    sequentially consistent, the mutant is correct; under TSan's fence model
    the owner's next push races with the copy."""
    result = campaign(monkeypatch, "thread", "broken_v1_steal_no_mb", 20.0)
    assert not result.success
    assert "sanitizer: thread reported" in result.reason and "data race" in result.reason
    output = "\n".join(result.reports)
    assert "pida_steal" in output and "pida_push_local" in output


def test_unknown_sanitizer(monkeypatch):
    from torture.errors import InvalidArgument

    monkeypatch.setenv("SAN", "memory")
    with pytest.raises(InvalidArgument, match="SAN=memory"):
        runner.run_isolated(runner.TortureParams(duration=1), emit=lambda _: None)
