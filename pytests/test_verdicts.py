"""Every run ends in a verdict: a drop-in that spins, crashes or hangs is a
FAILURE naming what happened, never a run without end or a dead Python."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from torture import images

PORT_SRC = images.PORT / "lib/percpu_ida.c"
PORT_HDR = images.PORT / "include/linux/percpu_ida.h"


def broken_dropin(tmp_path: Path, old: str, new: str) -> dict[str, str]:
    """The port with one edit, as a drop-in: the environment that selects it."""
    text = PORT_SRC.read_text()
    assert old in text
    src = tmp_path / "percpu_ida.c"
    src.write_text(text.replace(old, new, 1))
    env = {**os.environ, "PERCPU_IDA_SRC": str(src), "PERCPU_IDA_H": str(PORT_HDR)}
    env.pop("MAKEFLAGS", None)
    return env


def torture(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "run", "--torture_type", "dropin",
                           "--stat_interval", "0", *args],
                          cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_a_task_spinning_with_irqs_off_is_no_progress(tmp_path):
    """The free of tag 1 never returns: it spins with irqs off holding the
    pool's lock, so the task is never asleep and the stall check alone would
    wait for ever."""
    env = broken_dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
                        "\tBUG_ON(tag >= pool->nr_tags);\n"
                        "\tif (tag == 1) {\n\t\tlocal_irq_disable();\n"
                        "\t\tspin_lock(&pool->lock);\n"
                        "\t\tfor (;;)\n\t\t\tcpu_relax();\n\t}\n")
    proc = torture(env, "--duration", "60", "--stall_timeout", "1", "--seed", "3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "!!! no progress: task" in out
    assert "is not asleep" in out
    assert "irqs off" in out  # the spinner, as the dump shows it
    assert re.search(r"holds 0x[0-9a-f]+ \(taken at ip \+0x[0-9a-f]+ in percpu_ida_free\(\)\)",
                     out), out
    assert "End of test: FAILURE" in out
    assert f"PERCPU_IDA_SRC={env['PERCPU_IDA_SRC']}" in out


def explore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "explore", "dropin", *args],
                          cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_a_null_dereference_in_explore_is_a_failure_that_replays(tmp_path):
    env = broken_dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
                        "\tBUG_ON(tag >= pool->nr_tags);\n"
                        "\tif (tag == 2)\n\t\tpool = NULL;\n")
    proc = explore(env, "--scenario", "three_tasks", "--strategy", "random", "--runs", "50")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILURE: crash" in proc.stdout and "Segmentation fault" in proc.stdout
    replay = proc.stdout.split("replay: ", 1)[1].splitlines()[0]
    assert replay.startswith(f"PERCPU_IDA_SRC={env['PERCPU_IDA_SRC']} ")
    again = explore(env, *replay.split(" explore dropin ", 1)[1].split())
    assert again.returncode == 1 and "Segmentation fault" in again.stdout, again.stdout


def test_a_hang_in_explore_is_a_failure_with_a_backtrace(tmp_path):
    """A loop with no scheduling point never gives the engine control back:
    the parent stops it and reports where it was."""
    env = broken_dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
                        "\tBUG_ON(tag >= pool->nr_tags);\n"
                        "\tif (tag == 2)\n\t\tfor (volatile int spin = 1; spin;)\n\t\t\t;\n")
    # long enough that a loaded machine (the gcov build under make coverage)
    # does not go quiet that long before the run reaches the spin
    proc = explore(env, "--scenario", "three_tasks", "--strategy", "random", "--runs", "50",
                   "--hang_timeout", "10")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILURE: hang: no progress for 10 s in scenario three_tasks" in proc.stdout
    backtrace = proc.stdout.split("C backtrace:", 1)[1]
    assert "percpu_ida_free" in backtrace
    assert "--replay " in proc.stdout
