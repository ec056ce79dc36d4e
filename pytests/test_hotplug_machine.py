"""Hotplug as the kernel does it: stop-machine, vetoes with their unwinding,
callbacks where the kernel runs them.  Each test is the experiment that found
the old model's difference, now showing the kernel's behaviour."""

from __future__ import annotations

import time

# selftest.c's st_hp_fail values: which callback says no
HP_OK, HP_VETO_DOWN, HP_VETO_UP, HP_FAIL_PREP2_UP, HP_FAIL_AP2_UP, HP_FAIL_AP1_DOWN = range(6)
CPU_ONLINE, CPU_UP_PREPARE, CPU_UP_CANCELED, CPU_DOWN_PREPARE, CPU_DOWN_FAILED = 2, 3, 4, 5, 6
CPU_DEAD, CPU_DYING, CPU_POST_DEAD, CPU_STARTING = 7, 8, 9, 10
EBUSY, ENOMEM = 16, 12


def registered(make_kernel, fail: int = HP_OK):  # type: ignore[no-untyped-def]
    k = make_kernel(nr_cpus=3)
    assert k.selftest("hotplug_register") == 0
    assert k.selftest("hotplug_fail", arg=fail) == 0
    return k


def log_since(k, mark: int) -> list[str]:  # type: ignore[no-untyped-def]
    return k.selftest_log().split()[mark:]


def test_callbacks_run_in_order_and_where_the_kernel_runs_them(make_kernel):
    k = registered(make_kernel)
    k.cpu_down(1)
    assert not k.online(1)
    down = log_since(k, 0)
    # the ONLINE states in cpuhp/1, bound to CPU 1 (so smp_processor_id() is
    # legal there), newest first; DYING on CPU 1 with irqs off; then the
    # PREPARE/DEAD section and CPU_DEAD, POST_DEAD on a control CPU
    assert down == ["nb:5:1", "ap2:down:1@1", "ap1:down:1@1", "starting:down:1@1!",
                    "nb:8:1", "prep2:down:1", "prep:down:1", "nb:7:1", "nb:9:1"]
    k.cpu_up(1)
    assert k.online(1)
    up = log_since(k, len(down))
    assert up == ["nb:3:1", "prep:up:1", "prep2:up:1", "starting:up:1@1!", "nb:10:1",
                  "ap1:up:1@1", "ap2:up:1@1", "nb:2:1"]
    assert not [r for r in k.reports() if "preemptible" in r.message], k.reports()


def test_notify_bad_on_down_prepare_vetoes_and_tells_those_called_before(make_kernel):
    k = registered(make_kernel, HP_VETO_DOWN)
    assert k.selftest("cpu_down_self", cpu=0, arg=1) == -EBUSY
    assert k.online(1)
    # the notifier before the veto hears CPU_DOWN_FAILED; the vetoer does not
    assert log_since(k, 0) == ["nb:5:1", "veto:5", "nb:6:1"]
    assert k.selftest("hotplug_fail", arg=HP_OK) == 0
    assert k.selftest("cpu_down_self", cpu=0, arg=1) == 0
    assert not k.online(1)


def test_notify_bad_on_up_prepare_cancels_and_leaves_the_cpu_down(make_kernel):
    k = registered(make_kernel)
    k.cpu_down(1)
    mark = len(log_since(k, 0))
    assert k.selftest("hotplug_fail", arg=HP_VETO_UP) == 0
    assert k.selftest("cpu_up_self", cpu=0, arg=1) == -EBUSY
    assert not k.online(1)
    assert log_since(k, mark) == ["nb:3:1", "veto:3", "nb:4:1"]


def test_a_failing_prepare_callback_leaves_the_cpu_down_with_earlier_states_torn_down(
        make_kernel):
    k = registered(make_kernel)
    k.cpu_down(1)
    mark = len(log_since(k, 0))
    assert k.selftest("hotplug_fail", arg=HP_FAIL_PREP2_UP) == 0
    assert k.selftest("cpu_up_self", cpu=0, arg=1) == -ENOMEM
    assert not k.online(1)
    assert log_since(k, mark) == ["nb:3:1", "prep:up:1", "prep2:up:1", "prep:down:1",
                                  "nb:4:1", "veto-told:4"]
    # and the CPU can still come up once the callback stops failing
    assert k.selftest("hotplug_fail", arg=HP_OK) == 0
    k.cpu_up(1)
    assert k.online(1)


def test_a_failing_online_callback_rolls_the_bringup_back(make_kernel):
    k = registered(make_kernel)
    k.cpu_down(1)
    mark = len(log_since(k, 0))
    assert k.selftest("hotplug_fail", arg=HP_FAIL_AP2_UP) == 0
    assert k.selftest("cpu_up_self", cpu=0, arg=1) == -ENOMEM
    assert not k.online(1)
    assert log_since(k, mark) == [
        "nb:3:1", "prep:up:1", "prep2:up:1", "starting:up:1@1!", "nb:10:1",
        "ap1:up:1@1", "ap2:up:1@1", "ap1:down:1@1",          # the rollback
        "starting:down:1@1!", "nb:8:1", "prep2:down:1", "prep:down:1",
        "nb:4:1", "veto-told:4"]


def test_a_refused_teardown_brings_the_states_back_and_the_cpu_stays(make_kernel):
    k = registered(make_kernel, HP_FAIL_AP1_DOWN)
    assert k.selftest("cpu_down_self", cpu=0, arg=1) == -EBUSY
    assert k.online(1)
    assert log_since(k, 0) == ["nb:5:1", "ap2:down:1@1", "ap1:down:1@1", "ap2:up:1@1",
                               "nb:6:1", "veto-told:6"]


def test_a_preempt_off_section_on_another_cpu_delays_cpu_down(make_kernel, background):
    k = make_kernel(nr_cpus=2)
    k.selftest("set_cond", cpu=1, arg=0)
    section = background(lambda: k.selftest("preempt_off_section", cpu=0, arg=1,
                                            task=k.task("atomic")))
    deadline = time.monotonic() + 10
    while k.selftest("cond_read", cpu=1) != 1:
        assert time.monotonic() < deadline, "the section never began"
    down = background(lambda: k.cpu_down(1))
    # the operation has reached stop-machine, which waits for CPU 0
    deadline = time.monotonic() + 10
    while "stop_machine_wait" not in k.trace(256):
        assert time.monotonic() < deadline, "cpu_down never reached stop-machine"
    assert not down.done(0)
    assert k.online(1)
    # stop-machine takes the vCPUs in order and waits on CPU 0: CPU 1 is free
    k.selftest("set_cond", cpu=1, arg=2)
    assert section.outcome() == 0, "cpu_online(1) changed inside preempt_disable()"
    down.outcome()
    assert not k.online(1)


def test_in_the_deterministic_engine_cpu_down_waits_for_an_irq_off_section():
    """Task 0 stops inside percpu_ida_alloc() with irqs off; CPU 1 going down
    blocks (stop-machine needs CPU 0 too) until task 0 leaves the section."""
    from torture.explore import At, Script, explore, hotplug, run
    from torture.scenario import Hotplug, Scenario, Task, alloc, free

    sc = Scenario(4, 4, 2, 2, [Task(0, [alloc(), free()])], [], [Hotplug(1)])
    o = explore("percpu_ida", sc, Script([
        run(0, At("pida_pop_local", "lock")),   # irqs off, in the alloc
        hotplug(), run("hotplug", "blocked"),   # waits for CPU 0
        run(0, "done"), run("hotplug", "done"),
    ]))
    assert o.verdict == "pass" and o.script_done == 5, o.message
    order = [s.who for s in o.trace if s.what in ("op:alloc", "op:free", "done")]
    assert order.index("hotplug") > order.index("task0"), order
