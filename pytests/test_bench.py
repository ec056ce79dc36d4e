"""The scaling benchmark's behaviour (never its speed): every point is
measured and reported, the output files are written, bad settings and a
hanging workload are errors, not hangs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from torture import bench, bench_report
from torture.errors import HarnessError, InvalidArgument

TINY = bench.Config(allocators=("percpu_ida", "tag_freelist"), threads=(1, 2),
                    duration=0.02, rounds=2)


@pytest.fixture(scope="module")
def measured() -> tuple[list[bench.Point], float]:
    return bench.run(TINY)


def test_every_point_is_measured(measured):
    points, ticks_per_ns = measured
    got = {p.key() for p in points}
    for alloc in TINY.allocators:
        for workload in bench.WORKLOADS:
            for space in bench.SPACES:
                for t in TINY.threads:
                    assert (alloc, workload, space, t) in got
    for ref in bench.REFERENCES:
        assert {(ref, t) for t in TINY.threads} <= {(p.allocator, p.threads) for p in points}
    assert ticks_per_ns > 0
    for p in points:
        assert p.pairs > 0 and p.seconds > 0, p
        if p.reference:
            continue
        assert sum(p.hist) > 0, f"{p.key()}: no alloc latency sampled"
        assert set(p.events) == set(bench.EVENTS)
        q = [bench.percentile(p.hist, x, ticks_per_ns) for x in (0.5, 0.99, 0.999)]
        assert 0 < q[0] <= q[1] <= q[2], (p.key(), q)


def test_a_locked_freelist_takes_the_global_lock_twice_a_pair(measured):
    """The event counters see what each allocator does, not only how fast."""
    points, _ = measured
    for p in points:
        if p.allocator == "tag_freelist" and p.workload == "local":
            assert p.events["global_locks"] == pytest.approx(2000, rel=0.01)
        if p.allocator == "percpu_ida" and p.workload == "local":
            assert p.events["global_locks"] < 50 and p.events["remote_pcpu"] < 50


def test_the_small_tag_space_is_every_burst_at_once():
    assert bench.nr_tags("small", 4) == 4 * bench.BURST
    assert bench.nr_tags("large", 4) == bench.LARGE_SPACE


def test_goals_are_ratios_of_this_run(measured):
    points, _ = measured
    found = {g.what: g for g in bench_report.goals(points, (30.0, 15.0))}
    fast = found["fast-path pair / per-cpu spinlock pair (alternating rounds)"]
    assert fast.value == 2.0 and fast.met
    two = found["local pairs, 2 threads: percpu_ida / tag_freelist"]
    pida = next(p for p in points if p.key() == ("percpu_ida", "local", "large", 2))
    fl = next(p for p in points if p.key() == ("tag_freelist", "local", "large", 2))
    assert two.value == pytest.approx(pida.ops_per_s / fl.ops_per_s)
    assert two.met == (two.value >= 10)


def test_histogram_buckets_match_the_c_side():
    lows = [bench.bucket_low(i) for i in range(60)]
    assert lows[:17] == list(range(17))
    assert lows[16:25] == [16, 18, 20, 22, 24, 26, 28, 30, 32]
    assert lows == sorted(lows)


@pytest.mark.parametrize("allocator", ["percpu_ida", "ida_mag"])
def test_the_steal_path_is_timed_where_it_steals(allocator):
    """Only the tags vCPU 1 parked are free: vCPU 0's first alloc must take
    them, and the loop checks every round got all of them back."""
    steal, local = bench.steal_path(allocator, rounds=1, iters=50)
    assert steal > 0 and local > 0


def test_a_workload_that_deadlocks_is_reported_not_waited_for():
    """One thread bursting 64 sleeping allocs from 16 tags waits for itself."""
    point = bench.Point("tag_freelist", "burst", "tiny", 16, 1)
    with pytest.raises(HarnessError, match="still inside the allocator 0.5 s after"):
        bench.measure(point, 0.02, False, hang_timeout=0.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"workloads": ("local", "remote")}, "unknown workload 'remote'"),
    ({"spaces": ("huge",)}, "unknown space 'huge'"),
    ({"threads": (0,)}, "threads must be 1..64"),
    ({"threads": ()}, "threads must be 1..64"),
    ({"duration": 0}, "duration=0"),
    ({"rounds": 0}, "rounds=0"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        bench.Config(**kwargs)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", *args], capture_output=True,
                          text=True, timeout=300)


def test_cli_writes_the_table_json_and_plots(tmp_path):
    out = cli("bench", "--allocators", "percpu_ida,ida_tags", "--workloads", "local",
              "--threads", "1,2", "--duration", "0.02", "--rounds", "1",
              "--fastpath-rounds", "1", "--steal-rounds", "1", "--out", str(tmp_path),
              "--tag", "t")
    assert out.returncode == 0, out.stderr
    assert "local / large tag space" in out.stdout and "goals" in out.stdout
    assert "percpu_ida / ida_tags" in out.stdout
    assert "[100%]" in out.stderr  # the progress bar, as a CI log shows it
    assert "steal path" in out.stdout
    data = json.loads((tmp_path / "t.json").read_text())
    assert set(data["steal_path_ns"]) == {"percpu_ida", "ida_tags"}
    assert data["machine"]["cores"] >= 1
    assert {p["allocator"] for p in data["points"]} == {
        "percpu_ida", "ida_tags", "local_stack", "locked_stack"}
    for name in ("t-throughput.png", "t-latency.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["--allocators", "percpu_ida,nope"], "unknown allocator 'nope'"),
    (["--workloads", "local,x"], "unknown workload 'x'"),
    (["--threads", "1,two"], "--threads takes numbers"),
])
def test_cli_bad_input(args, message):
    out = cli("bench", *args)
    assert out.returncode == 2 and message in out.stderr
