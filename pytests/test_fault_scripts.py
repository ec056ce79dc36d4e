"""The ready fault-injection scenarios, short, on every allocator they fit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from torture import fault_scripts


@pytest.mark.parametrize("name", sorted(fault_scripts.SCRIPTS))
@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_script_succeeds(name, allocator):
    lines: list[str] = []
    assert fault_scripts.SCRIPTS[name].run(allocator, lines.append, True), "\n".join(lines)
    assert lines


def test_fail_nth_sweep_counts_the_injectable_calls_of_init():
    lines: list[str] = []
    fault_scripts.fail_nth_sweep("percpu_ida_v1", lines.append, True)
    # design B's init: the cpu bitmap (slab), the global stack (pages), the caches (percpu)
    assert lines[-1] == "fail-nth  4: init succeeded: it makes 3 injectable calls"
    assert all(line.endswith("0 objects left") for line in lines[:-1])


def test_unknown_script():
    proc = subprocess.run([sys.executable, "-m", "torture", "fault", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown fault script 'nope'" in proc.stderr
