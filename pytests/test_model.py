"""Model-based tests: hypothesis drives each allocator through random
operations against a reference model of owned tags, checking the invariants
after every step.  Profiles: `ci` (the default, fast) and `thorough`
(HYPOTHESIS_PROFILE=thorough)."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from torture import images
from torture.errors import Interrupted, NoTags, OutOfMemory
from torture.kernel import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, Kernel

NR_CPUS, NR_TAGS = 3, 10


class AllocatorMachine(RuleBasedStateMachine):
    """One kernel, one pool; the pool's ledger is the model of owned tags."""

    allocator = "percpu_ida"
    sleep_bound = 5.0  # s a sleeping alloc may take with tags free

    def __init__(self) -> None:
        super().__init__()
        self.kernel = Kernel(self.allocator, NR_CPUS)
        self.pool = self.kernel.pool(NR_TAGS, 4, 2)
        self.armed = False  # an injected alloc failure waits for the next alloc

    def teardown(self) -> None:
        self.kernel.close()

    def online(self) -> list[int]:
        return self.kernel.online_cpus()

    def free_count(self) -> int:
        return NR_TAGS - len(self.pool.owned)

    # ---- rules ----

    @rule(data=st.data(), irq=st.booleans())
    def alloc_nonblocking(self, data: st.DataObject, irq: bool) -> None:
        cpu = data.draw(st.sampled_from(self.online()))
        try:
            self.pool.alloc(cpu=cpu, state=TASK_RUNNING, irq=irq)
        except NoTags:
            assert self.armed or self.free_count() == 0, "ENOSPC with tags free"
        except OutOfMemory:
            assert self.armed, "an allocation failed that nobody made fail"
        self.armed = False

    @precondition(lambda self: NR_TAGS - len(self.pool.owned) > 0 and not self.armed)
    @rule(data=st.data(), state=st.sampled_from([TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE]))
    def alloc_sleeping_with_tags_free(self, data: st.DataObject, state: int) -> None:
        """With a tag free anywhere a sleeping alloc gets one (stealing) at once."""
        cpu = data.draw(st.sampled_from(self.online()))
        task = self.kernel.task("sleeper")
        outcome = self.bounded(lambda: self.pool.alloc(cpu=cpu, state=state, task=task),
                               self.sleep_bound)
        if outcome is None:
            self.kernel.lib.hk_kill()  # wakes it, so that its thread ends
            raise AssertionError(f"a sleeping alloc slept with {self.free_count()} tags free")
        if isinstance(outcome, BaseException):
            raise outcome

    @staticmethod
    def bounded(call, seconds: float):  # type: ignore[no-untyped-def]
        """Run a call that may sleep in the kernel; None if it did not return."""
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(call())
            except BaseException as e:  # noqa: BLE001 - handed back
                outcome.append(e)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(seconds)
        return outcome[0] if outcome else None

    @precondition(lambda self: bool(self.pool.owned))
    @rule(data=st.data(), irq=st.booleans())
    def free(self, data: st.DataObject, irq: bool) -> None:
        tag = data.draw(st.sampled_from(sorted(self.pool.owned)))
        cpu = data.draw(st.sampled_from(self.online()))  # often not where it came from
        self.pool.free(tag, cpu=cpu, irq=irq)

    @precondition(lambda self: len(self.kernel.online_cpus()) > 1)
    @rule(data=st.data())
    def cpu_down(self, data: st.DataObject) -> None:
        self.kernel.cpu_down(data.draw(st.sampled_from(self.online())))

    @precondition(lambda self: len(self.kernel.online_cpus()) < NR_CPUS)
    @rule(data=st.data())
    def cpu_up(self, data: st.DataObject) -> None:
        offline = [c for c in range(NR_CPUS) if not self.kernel.online(c)]
        self.kernel.cpu_up(data.draw(st.sampled_from(offline)))

    @rule()
    def inject_an_alloc_failure(self) -> None:
        """The image's own entry point, baselines' included: the failure is
        real wherever the checks are relaxed for it."""
        self.kernel.inject(f"fail_function:inject={self.kernel.spec.alloc_function},"
                           "retval=-12,probability=100,times=1")
        self.armed = True

    @precondition(lambda self: NR_TAGS - len(self.pool.owned) == 0)
    @rule(data=st.data())
    def signal_a_sleeper(self, data: st.DataObject) -> None:
        """No tag free: an interruptible sleeper sleeps, and a signal ends it."""
        if self.armed:  # the sleeper would eat the injected failure
            return
        cpu = data.draw(st.sampled_from(self.online()))
        sleeper = self.kernel.task("sleeper")

        def signal_when_asleep() -> None:
            deadline = time.monotonic() + 5
            while sleeper.state != TASK_INTERRUPTIBLE and time.monotonic() < deadline:
                time.sleep(0.001)
            sleeper.signal()

        threading.Thread(target=signal_when_asleep, daemon=True).start()
        outcome = self.bounded(
            lambda: self.pool.alloc(cpu=cpu, state=TASK_INTERRUPTIBLE, task=sleeper), 10.0)
        if outcome is None:
            self.kernel.lib.hk_kill()
            raise AssertionError("the signalled sleeper did not wake")
        assert isinstance(outcome, Interrupted), outcome

    # ---- invariants ----

    @invariant()
    def nothing_reported(self) -> None:
        assert not self.kernel.reports(), self.kernel.reports()[0]

    @invariant()
    def conservation_as_a_set(self) -> None:
        self.pool.check_conservation()  # iterator + owned == every tag, once
        counted = sum(self.pool.free_tags(c) for c in range(NR_CPUS + 1))
        assert counted == self.free_count()

    @invariant()
    def availability(self) -> None:
        """Stealing makes the stranding bound zero at quiescence."""
        if self.free_count() == 0 or self.armed:
            return
        cpu = self.online()[-1]
        self.pool.free(self.pool.alloc(cpu=cpu), cpu=cpu)


@pytest.mark.parametrize("allocator", sorted(images.allocators()))
def test_model(allocator: str) -> None:
    machine = type(f"Machine_{allocator}", (AllocatorMachine,), {"allocator": allocator})
    machine.TestCase().runTest()



# the model's checks must catch a broken allocator: a sequential bug is in reach
# of a sequence of calls (no shrinking: finding it is the point, and fast)
@pytest.mark.parametrize("mutant", ["broken_no_cpumask_bit"])
def test_model_catches(mutant: str) -> None:
    machine = type(f"Machine_{mutant}", (AllocatorMachine,),
                   {"allocator": mutant, "sleep_bound": 0.3})
    # an assertion in a rule, or the availability invariant's alloc failing
    with pytest.raises((AssertionError, NoTags), match="tags free|ENOSPC"):
        run_state_machine_as_test(machine, settings=settings(
            max_examples=300, stateful_step_count=30, deadline=None, database=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
