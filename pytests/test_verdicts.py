"""Every run ends in a verdict: a drop-in that spins, crashes or hangs is a
FAILURE naming what happened, never a run without end or a dead Python."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from torture import images, planted


def torture(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "run", "--torture_type", "dropin",
                           "--stat_interval", "0", *args],
                          cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_a_task_spinning_with_irqs_off_is_no_progress(tmp_path):
    """The free of tag 1 never returns: it spins with irqs off holding the
    pool's lock, so the task is never asleep and the stall check alone would
    wait for ever."""
    env = planted.dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
                        "\tBUG_ON(tag >= pool->nr_tags);\n"
                        "\tif (tag == 1) {\n\t\tlocal_irq_disable();\n"
                        "\t\tspin_lock(&pool->lock);\n"
                        "\t\tfor (;;)\n\t\t\tcpu_relax();\n\t}\n")
    proc = torture(env, "--duration", "60", "--stall_timeout", "1", "--seed", "3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "!!! [progress] no progress: task" in out
    assert "is not asleep" in out
    assert "irqs off" in out  # the spinner, as the dump shows it
    assert re.search(r"holds &pool->lock 0x[0-9a-f]+ \(taken at ip \+0x[0-9a-f]+ "
                     r"in percpu_ida_free\(\)\)", out), out
    assert "End of test: FAILURE" in out
    assert f"PERCPU_IDA_SRC={env['PERCPU_IDA_SRC']}" in out


def test_a_stutter_that_cannot_quiesce_is_a_failure_naming_the_task(tmp_path):
    """A waiter that polls instead of sleeping is neither paused nor asleep:
    the pause cannot complete, and the stutter says who did not stop."""
    env = planted.dropin(tmp_path, "\t\tschedule();\n\n\t\t/* the task may wake up",
                         "\t\twhile (!READ_ONCE(pool->nr_free))\n\t\t\tcpu_relax();\n\n"
                         "\t\t/* the task may wake up")
    proc = torture(env, "--duration", "60", "--stall_timeout", "2", "--onoff_interval", "0",
                   "--seed", "3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"!!! \[progress\] stutter: task \d \(\d+ operations begun meanwhile\)"
                     r".* did not stop within 1\.0 s: neither paused nor asleep", out), out
    assert "every task (state, vCPU" in out
    assert "End of test: FAILURE" in out


def test_a_monitor_call_that_never_returns_is_a_failure_naming_the_holder(tmp_path):
    """A task that sleeps for ever holding cpus_read_lock(): cpu_down() waits
    for it, the other tasks run on, nothing is spinning.  The watchdog bounds
    the monitor's call and names the lock's holder."""
    env = planted.dropin(
        tmp_path, "\tlocal_irq_save(flags);\n\tcache = this_cpu_ptr(pool->tag_cpu);\n"
                  "\ttag = pida_pop_local(cache);\n",
        "\tif (state != TASK_RUNNING) {\n\t\tstatic int once;\n\n"
        "\t\tif (!xchg(&once, 1)) {\n\t\t\tcpus_read_lock();\n\t\t\tfor (;;) {\n"
        "\t\t\t\tset_current_state(TASK_UNINTERRUPTIBLE);\n\t\t\t\tschedule();\n"
        "\t\t\t}\n\t\t}\n\t}\n\tlocal_irq_save(flags);\n"
        "\tcache = this_cpu_ptr(pool->tag_cpu);\n\ttag = pida_pop_local(cache);\n")
    src = env["PERCPU_IDA_SRC"]
    Path(src).write_text("#include <linux/cpu.h>\n" + Path(src).read_text())
    proc = torture(env, "--duration", "60", "--stall_timeout", "2", "--stutter", "0",
                   "--onoff_holdoff", "0.1", "--onoff_interval", "0.1", "--seed", "3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"no progress: the monitor's cpu_(down|up)\(\d\) has not returned", out), out
    assert re.search(r"holds cpu_hotplug_lock 0x[0-9a-f]+ \(taken at ip \+0x[0-9a-f]+ "
                     r"in percpu_ida_alloc\(\)\)", out), out
    assert "End of test: FAILURE" in out


def explore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "explore", "dropin", *args],
                          cwd=images.ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_a_null_dereference_in_explore_is_a_failure_that_replays(tmp_path):
    env = planted.dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
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
    env = planted.dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
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


def test_the_stall_check_counts_free_tags_by_its_own_ledger(tmp_path):
    """A free that wakes nobody, in an allocator whose free counts always
    say 0: a stall check that believed them would never fire.  With the
    stutter off, only the liveness check can see it."""
    env = planted.dropin_edits(tmp_path, [
        ("\t\tcpumask_set_cpu(smp_processor_id(), &pool->cpus_have_tags);\n"
         "\t\twake_up(&pool->wait);\n",
         "\t\tcpumask_set_cpu(smp_processor_id(), &pool->cpus_have_tags);\n"),
        ("\tif (cpu == nr_cpu_ids)\n\t\treturn data_race(READ_ONCE(pool->nr_free));\n",
         "\treturn 0;\n"),
    ])
    proc = torture(env, "--duration", "30", "--stall_timeout", "1", "--stutter", "0",
                   "--seed", "4")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"!!! \[liveness\] stall: a task has slept [\d.]+ s while \d+ tags "
                     r"are free", proc.stdout)
    assert "End of test: FAILURE" in proc.stdout


def test_a_warning_ends_the_run_at_once_and_counts_as_an_error(tmp_path):
    """A WARN in the middle of a run is the FAILURE the moment it is
    reported, not at the end, and the stats count it."""
    env = planted.dropin(tmp_path, "\tBUG_ON(tag >= pool->nr_tags);\n",
                         "\tBUG_ON(tag >= pool->nr_tags);\n\tWARN_ON_ONCE(tag == 3);\n")
    proc = torture(env, "--duration", "60", "--seed", "2", "--json",
                   str(tmp_path / "result.json"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["reason"].startswith("kernel reported:\nWARNING"), result["reason"]
    assert "percpu_ida_free" in result["reason"]
    assert result["stats"]["errors"] == 1
    # found while running: a 60 s run would have paused 300 times for checks
    assert result["stats"]["stutters"] < 50, result["stats"]
