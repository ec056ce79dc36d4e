"""The threaded torture run: C tasks hammer one pool, Python watches and checks.

`run()` drives one kernel in this process.  `run_isolated()` does the same in
a child process, so a crash in C (SIGSEGV, abort) is a FAILURE with the last
trace events instead of the end of the caller.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from torture import cabi, checks, crash, faults, images, phases, sanitizers, symbols
from torture.errors import (
    HarnessError,
    InvalidArgument,
    IteratorError,
    KernelBug,
    KernelDead,
    OutOfMemory,
)
from torture.kernel import MAX_CPUS, TASK_RUNNING, TASK_UNINTERRUPTIBLE, Kernel, Pool


def _p(default: object, text: str) -> object:
    return field(default=default, metadata={"help": text})


@dataclass
class TortureParams:
    """Every knob of a run.  Flat names, as rcutorture's; 0 disables."""

    torture_type: str = _p("percpu_ida", "allocator image (see `python -m torture list`)")
    nr_cpus: int = _p(2, "vCPUs of the kernel")
    nr_tasks: int = _p(0, "torture tasks, one pinned host thread each (0: one per vCPU)")
    duration: float = _p(10.0, "seconds to run")
    nr_tags: int = _p(0, "tags in the pool (0: nr_tasks x hold / 2, so that tasks run out, "
                         "sleep and steal)")
    max_size: int = _p(8, "per-CPU cache size, small so caches spill (0: the allocator's "
                          "default; fixed-size generations always use theirs)")
    batch_size: int = _p(4, "tags moved per refill or spill (0: the allocator's default)")
    hold: int = _p(8, "most tags a task holds at once: with the free rate, how long they are held")
    cross_cpu_free: int = _p(20, "percent of frees handed to a task on another vCPU to free there")
    asymmetric: bool = _p(False, "even-numbered tasks only allocate, handing every tag to an "
                                 "odd-numbered task on another vCPU, which only frees: tags "
                                 "cross CPUs by refill, spill and steal (needs 2+ tasks)")
    sleepers: int = _p(30, "percent of allocations, made holding nothing, that may sleep")
    interruptible: int = _p(50, "percent of sleeping allocations that sleep interruptibly")
    signal_interval: float = _p(5.0, "ms between signals to a random task")
    irq_interval: float = _p(200.0, "us between interrupts, kept on the clock; the handler "
                                    "allocates without sleeping and frees in irq context")
    irq_busy: int = _p(100, "percent of interrupts aimed at a vCPU a task is running on "
                            "(the rest at any online vCPU)")
    onoff_interval: float = _p(1.0, "s between CPU hotplug operations")
    onoff_holdoff: float = _p(0.5, "s before the first hotplug operation")
    shuffle_interval: float = _p(10.0, "ms between moves of a random task to a random vCPU")
    stutter: float = _p(0.2, "s between pauses: all tasks stop, the pool is checked "
                             "at quiescence, they resume; a task that does not stop "
                             "within stall_timeout/2 is a FAILURE")
    preempt: int = _p(0, "per-mille of scheduling points where the kernel could preempt "
                         "(preemption and irqs on) that preempt the task, half of them "
                         "migrating it: moves inside the allocator (seeded)")
    delay: int = _p(0, "per-mille of scheduling points (READ_ONCE/WRITE_ONCE included) that "
                       "spin for up to 2 us, one in four of them then preempting or "
                       "migrating the task where the kernel could (seeded)")
    spurious_wakeup: int = _p(1, "percent of sleeps that end at once with no wakeup, as the "
                                 "kernel allows: a wait that does not loop on its condition "
                                 "fails")
    stall_timeout: float = _p(10.0, "s a sleeper may sleep while tags are free, a task may "
                                    "go without beginning an operation, and a call of the "
                                    "monitor (hotplug, a stutter's checks) may take")
    fault: str = _p("", "faults to arm once the pool is up, ';'-separated: "
                        "failslab:probability=10,times=5;fail_function:inject=percpu_ida_alloc,"
                        "retval=-12,probability=1,times=-1")
    slice: int = _p(64, "operations per kernel entry before a task lets its vCPU go")
    stat_interval: float = _p(2.0, "s between stats lines")
    seed: int = _p(0, "random seed (0: pick one and print it)")
    allow_idle: bool = _p(False, "exit 0 even when the run never saw -ENOSPC, a sleep, a "
                                 "steal or a stutter (else a ??? line and exit status 3)")

    def validate(self) -> None:
        """Every bad value named before anything starts."""
        images.lookup(self.torture_type)
        if not 1 <= self.nr_cpus <= MAX_CPUS:
            raise InvalidArgument(f"nr_cpus={self.nr_cpus} out of range: 1..{MAX_CPUS}")
        for name in ("cross_cpu_free", "sleepers", "interruptible", "spurious_wakeup",
                     "irq_busy"):
            if not 0 <= getattr(self, name) <= 100:
                raise InvalidArgument(f"{name}={getattr(self, name)} is not a percentage")
        for name in ("delay", "preempt"):
            if not 0 <= getattr(self, name) <= 1000:
                raise InvalidArgument(f"{name}={getattr(self, name)} is not a per-mille")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and value < 0:
                raise InvalidArgument(f"{f.name}={value} is negative")
        faults.parse_many(self.fault)
        if not 1 <= self.hold <= 64:
            raise InvalidArgument(f"hold={self.hold} out of range: 1..64")
        if self.nr_tasks > 256:
            raise InvalidArgument(f"nr_tasks={self.nr_tasks} out of range: 0..256")
        if self.asymmetric and (self.nr_tasks or self.nr_cpus) < 2:
            raise InvalidArgument("asymmetric needs 2 or more tasks: one allocates, one frees "
                                  "(nr_tasks, or nr_cpus when nr_tasks is 0)")

    def resolved(self) -> TortureParams:
        """Fill in the zeros that mean "pick for me"."""
        self.validate()
        p = TortureParams(**asdict(self))
        p.nr_tasks = p.nr_tasks or p.nr_cpus
        p.nr_tags = p.nr_tags or max(2, p.nr_tasks * p.hold // 2)
        p.seed = p.seed or random.SystemRandom().randrange(1, 2**31)
        return p

    def command(self) -> str:
        """The command line that reruns exactly this run."""
        args = " ".join(f"--{f.name}" if isinstance(f.default, bool) else
                        f"--{f.name} {shlex.quote(str(getattr(self, f.name)))}"
                        for f in fields(self)
                        if getattr(self, f.name) or not (isinstance(f.default, bool) or
                                                         f.name == "fault"))
        return f"{images.rerun_prefix(self.torture_type)}python -m torture run {args}"


@dataclass
class TortureResult:
    params: TortureParams
    success: bool
    reason: str
    stats: dict[str, int]
    elapsed: float
    reports: list[str]
    idle: list[str] = field(default_factory=list)  # pressure never seen (phases.idle)

    def to_json(self) -> dict[str, object]:
        return {
            "params": asdict(self.params), "success": self.success, "reason": self.reason,
            "check": None if self.success else checks.check_of(self.reason),
            "stats": self.stats, "elapsed": self.elapsed, "reports": self.reports,
            "idle": self.idle, "rerun": self.params.command(),
        }

    @classmethod
    def from_json(cls, data: dict) -> TortureResult:  # type: ignore[type-arg]
        return cls(TortureParams(**data["params"]), data["success"], data["reason"],
                   data["stats"], data["elapsed"], data["reports"], data.get("idle", []))

    @property
    def exit_status(self) -> int:
        """0 SUCCESS, 1 FAILURE, 3 SUCCESS of a run that stayed idle
        (unless allow_idle)."""
        if not self.success:
            return 1
        return 3 if self.idle and not self.params.allow_idle else 0


class Failure(Exception):
    """A check failed: the run ends in FAILURE with this reason."""


class Campaign:
    """One run on one kernel: the C tasks plus the Python-side activities."""

    def __init__(self, p: TortureParams, emit: Callable[[str], None]):
        self.p = p
        self.emit = emit
        self.kernel = Kernel(p.torture_type, p.nr_cpus)
        sized = self.kernel.features & cabi.FEAT_INIT_SIZES
        try:
            self.pool = self.kernel.pool(p.nr_tags, (p.max_size or None) if sized else None,
                                         (p.batch_size or None) if sized else None)
        except OutOfMemory as e:  # nothing is injected before the pool is up
            self.kernel.close()
            raise Failure(f"init: the pool's init failed with memory there: {e}") from e
        self.rng = random.Random(p.seed)
        self.hotplug = {"onoff_ops": 0, "stranded_max": 0, "stranded_total": 0,
                        "stranded_ms_max": 0, "stutters": 0}
        self.down: tuple[int, float, int] | None = None  # cpu, since, tags parked there
        # (time, steal attempts so far): what the stall check's window saw
        self.steal_samples: collections.deque[tuple[float, int]] = collections.deque()
        # the monitor's call that may block (hotplug, a stutter) and since when
        self.calling: tuple[str, float] | None = None

    @contextlib.contextmanager
    def monitor_call(self, what: str) -> Iterator[None]:
        """The monitor is in a call that may block: the watchdog bounds it."""
        self.calling = (what, time.monotonic())
        try:
            yield
        finally:
            self.calling = None

    # ---- the C side ----

    def start(self) -> None:
        p = self.p
        if p.delay:
            self.kernel.lib.hk_set_delay(p.delay, 2000)
        self.kernel.lib.hk_set_preempt(p.preempt)
        self.kernel.lib.hk_set_spurious_wakeups(p.spurious_wakeup)
        self.kernel.lib.hk_set_counting(int(os.environ.get("TORTURE_COUNT", "1")))
        cp = cabi.HkTortureParams(
            pool=self.pool._ptr, nr_tasks=p.nr_tasks, hold=p.hold, sleepers=p.sleepers,
            interruptible=p.interruptible if self.kernel.features & cabi.FEAT_INTERRUPTIBLE
            else 0,
            slice=p.slice, cross_cpu_free=p.cross_cpu_free,
            irq_interval_us=int(p.irq_interval), signal_interval_us=int(p.signal_interval * 1000),
            shuffle_interval_us=int(p.shuffle_interval * 1000), seed=p.seed,
            irq_busy=p.irq_busy, asymmetric=int(p.asymmetric),
        )
        for spec in faults.parse_many(p.fault):
            self.kernel.inject(spec)
            if (spec.point == "fail_function" and
                    ("inject", self.kernel.spec.alloc_function) in spec.knobs):
                cp.injected_errno = int(dict(spec.knobs).get("retval", "0"), 0)
        rc = self.kernel.lib.hk_torture_start(ctypes.byref(cp))
        if rc:
            raise HarnessError(f"torture parameters rejected ({rc}): {p}")

    def stats(self) -> dict[str, int]:
        st = cabi.HkTortureStats()
        self.kernel.lib.hk_torture_stats(ctypes.byref(st))
        out = {name: getattr(st, name) for name in cabi.TORTURE_STATS}
        (out["sleeps"], out["wakeups"], out["steal_attempts"], out["global_locks"],
         out["spurious_wakeups"]) = self.kernel.sched_counts()
        out["errors"] += self.kernel.lib.hk_report_count()  # WARN, lockdep, BUG
        out["preemptions"] = self.kernel.lib.hk_preemptions(0)
        out["access_preemptions"] = self.kernel.lib.hk_preemptions(1)
        out.update(self.hotplug)
        return out

    def c_failure(self) -> str | None:
        buf = ctypes.create_string_buffer(8192)
        if self.kernel.lib.hk_torture_failed(buf, len(buf)):
            return buf.value.decode(errors="replace")
        return None

    # ---- checks at quiescence ----

    def owners(self) -> list[int]:
        arr = (ctypes.c_int * self.p.nr_tags)()
        self.kernel.lib.hk_torture_owners(arr, self.p.nr_tags)
        return list(arr)

    def check_conservation(self, owned: set[int]) -> None:
        """Free (the allocator's iterator) plus owned is every tag, each once."""
        if not self.kernel.features & cabi.FEAT_FOR_EACH_FREE:
            return
        try:
            free = self.pool.for_each_free(self.kernel.online_cpus()[0])
        except IteratorError as e:
            raise Failure(f"conservation: {e}") from e
        counts: dict[int, int] = {}
        for tag in free:
            counts[tag] = counts.get(tag, 0) + 1
        twice = sorted(t for t, n in counts.items() if n > 1)
        both = sorted(set(counts) & owned)
        lost = sorted(set(range(self.p.nr_tags)) - set(counts) - owned)
        if twice or both or lost:
            raise Failure(f"conservation: tags free twice {twice[:16]}, free and owned "
                          f"{both[:16]}, lost {lost[:16]}")
        if self.kernel.features & cabi.FEAT_FREE_TAGS:
            counted = sum(self.pool.free_tags(c) for c in range(self.p.nr_cpus + 1))
            if counted != len(free):
                raise Failure(f"conservation: free counters say {counted}, "
                              f"the iterator found {len(free)}")

    def check_memory(self) -> None:
        """Nothing written past an object's end (redzones), and no CPU's
        cache, online or not, above percpu_max_size."""
        damage = self.kernel.redzone_damage()
        if damage:
            raise Failure(f"redzone: {damage}")
        if not (self.kernel.features & cabi.FEAT_CACHE_BOUND and self.p.max_size):
            return
        for cpu in range(self.p.nr_cpus):
            cached = self.pool.free_tags(cpu)
            if cached > self.p.max_size:
                where = "" if self.kernel.online(cpu) else " (offline)"
                raise Failure(f"cache-bound: cpu {cpu}{where} caches {cached} free tags, "
                              f"more than percpu_max_size {self.p.max_size}")

    def check_availability(self, owned: set[int]) -> None:
        """With tags free, a non-blocking alloc succeeds on every online vCPU."""
        for cpu in self.kernel.online_cpus():
            if len(owned) + len(self.pool.owned) >= self.p.nr_tags:
                return
            try:
                tag = self.pool.alloc(cpu=cpu, state=TASK_RUNNING)
            except Exception as e:  # noqa: BLE001 - reported as the failure
                free = self.p.nr_tags - len(owned) - len(self.pool.owned)
                raise Failure(f"availability: alloc on cpu {cpu} failed ({e}) "
                              f"while {free} tags are free") from e
            self.pool.free(tag, cpu=cpu)

    def quiesce(self) -> int | None:
        """Pause every task: the number asleep once all are still, or None
        when the C side failed meanwhile (it says why).  Tasks stop between
        slices, so this takes milliseconds: one still running after half
        the stall timeout is a FAILURE that names it."""
        lib = self.kernel.lib
        sleepers = ctypes.c_int()
        bound = self.p.stall_timeout / 2
        deadline = time.monotonic() + bound
        ops_before = self.progress()[0]
        while lib.hk_torture_pause(ctypes.byref(sleepers)) < self.p.nr_tasks:
            if self.c_failure() or self.kernel.dead:
                lib.hk_torture_resume()
                return None
            if time.monotonic() > deadline:
                ops, quiet = self.progress()
                late = [f"task {i} ({ops[i] - ops_before[i]} operations begun meanwhile)"
                        for i in range(min(len(ops), len(ops_before))) if not quiet[i]]
                what = ", ".join(late) or "an interrupt handler (every task is still)"
                raise Failure(f"stutter: {what} did not stop within {bound:.1f} s: "
                              f"neither paused nor asleep\n{task_report(self.kernel)}")
            time.sleep(0.001)
        return sleepers.value

    def progress(self) -> tuple[list[int], list[int]]:
        """Each task's operations begun (the harness's count) and whether it
        is quiet (paused, or asleep in the kernel)."""
        n = self.p.nr_tasks
        ops, quiet = (ctypes.c_long * n)(), (ctypes.c_int * n)()
        count = min(self.kernel.lib.hk_torture_progress(ops, quiet, n), n)
        return list(ops)[:count], list(quiet)[:count]

    def held(self) -> set[int]:
        """The tags the ledger says someone holds (a task or an irq slot)."""
        return {t for t, o in enumerate(self.owners()) if o}

    def stutter(self) -> None:
        """Pause everything; at quiescence the pool must add up and be usable."""
        lib = self.kernel.lib
        sleepers = self.quiesce()
        if sleepers is None:
            return
        owned = self.held()
        lib.hk_fault_suspend(1)  # the checks' own calls must not be failed
        try:
            self.check_conservation(owned)
            self.check_memory()
            if sleepers:
                self.check_no_lost_wakeup(owned)
            else:
                self.check_availability(owned)
        finally:
            lib.hk_fault_suspend(0)
            lib.hk_torture_resume()
        self.hotplug["stutters"] += 1

    def check_no_lost_wakeup(self, owned: set[int]) -> None:
        """At quiescence a sleeper means no tag is free (percpu_ida: each free
        that makes a cache non-empty, and each spill, wakes every waiter), or
        no more than the allocator's wake slack (sbitmap_queue wakes waiters a
        batch of frees at a time)."""
        free = self.p.nr_tags - len(owned)
        if free <= self.pool.wake_slack():
            return
        time.sleep(0.05)  # a wakeup in flight lands by now
        sleepers = ctypes.c_int()
        self.kernel.lib.hk_torture_pause(ctypes.byref(sleepers))
        if sleepers.value:
            raise Failure(f"stall: {sleepers.value} task(s) asleep at quiescence while "
                          f"{free} tags are free ({self.where_free()})\n  every task:\n"
                          f"{self.kernel.task_dump()}")

    def check_stall(self) -> None:
        """A task asleep past stall_timeout while tags are free: liveness.
        Free means free by the ledger, counted at quiescence: the
        allocator's own counters are what a bug would get wrong."""
        now = time.monotonic()
        self.steal_samples.append((now, self.kernel.sched_counts()[2]))
        window = now - self.p.stall_timeout
        while len(self.steal_samples) > 1 and self.steal_samples[1][0] <= window:
            self.steal_samples.popleft()
        if self.kernel.lib.hk_longest_sleep_ms() / 1000 <= self.p.stall_timeout:
            return
        if self.quiesce() is None:
            return
        try:
            free = self.p.nr_tags - len(self.held())
            longest = self.kernel.lib.hk_longest_sleep_ms() / 1000
            if longest > self.p.stall_timeout and free > self.pool.wake_slack():
                raise Failure(f"stall: a task has slept {longest:.1f} s while {free} tags "
                              f"are free ({self.where_free()})\n  every task:\n"
                              f"{self.kernel.task_dump()}")
        finally:
            self.kernel.lib.hk_torture_resume()

    def where_free(self) -> str:
        """Where the free tags sit (the global pool, each CPU's cache) and
        whether anyone tried to steal them lately."""
        since, before = self.steal_samples[0] if self.steal_samples else (0.0, 0)
        tried = (f"{self.kernel.sched_counts()[2] - before} steal attempts in the last "
                 f"{time.monotonic() - since:.1f} s" if self.steal_samples else
                 "steal attempts not sampled yet")
        if not self.kernel.features & cabi.FEAT_FREE_TAGS:
            return f"{self.kernel.generation_label} cannot say where its free tags are; {tried}"
        per_cpu = [(c, self.pool.free_tags(c)) for c in range(self.p.nr_cpus)]
        cached = ", ".join(f"cpu{c} {n}{'' if self.kernel.online(c) else ' (offline)'}"
                           for c, n in per_cpu if n)
        return (f"global {self.pool.free_tags(self.p.nr_cpus)}, "
                f"cached: {cached or 'none'}; {tried}")

    # ---- hotplug ----

    def onoff(self) -> None:
        k = self.kernel
        if self.down:
            cpu, since, parked = self.down
            with self.monitor_call(f"cpu_up({cpu})"):
                k.cpu_up(cpu)
            self._note_stranded(since, parked)
            self.down = None
        else:
            online = k.online_cpus()
            if len(online) < 2:
                return
            cpu = self.rng.choice(self.caching(online) or online)
            with self.monitor_call(f"cpu_down({cpu})"):
                k.cpu_down(cpu)
            # counted under stop_machine, before any thief could take them
            parked = max(0, k.lib.hk_torture_last_stranded())
            self.down = (cpu, time.monotonic(), parked)
            self.hotplug["stranded_max"] = max(self.hotplug["stranded_max"], parked)
            self.hotplug["stranded_total"] += parked
        self.hotplug["onoff_ops"] += 1

    def caching(self, cpus: list[int]) -> list[int]:
        """Those of @cpus whose caches hold free tags: where hotplug strands
        some (all of them, for an allocator that cannot say)."""
        if not self.kernel.features & cabi.FEAT_FREE_TAGS:
            return cpus
        return [cpu for cpu in cpus if self.pool.free_tags(cpu)]

    def watch_stranded(self) -> None:
        """How long the tags parked on the dead CPU stay there."""
        if not self.down or not self.down[2]:
            return
        cpu, since, parked = self.down
        if self.pool.free_tags(cpu) == 0:
            self._note_stranded(since, parked)
            self.down = (cpu, since, 0)

    def _note_stranded(self, since: float, parked: int) -> None:
        if parked:
            ms = int((time.monotonic() - since) * 1000)
            self.hotplug["stranded_ms_max"] = max(self.hotplug["stranded_ms_max"], ms)

    # ---- the end ----

    def finish(self, found: bool = False) -> str | None:
        """Stop the tasks, then the checks at the end.  Returns a failure or
        None.  After a failure already @found, the kernel is killed first:
        a sleeper whose wakeup was lost would hold the stop for its whole
        bound, and nothing more is to be checked."""
        if found:
            self.kernel.lib.hk_kill()
        self.kernel.lib.hk_torture_stop(int(self.p.stall_timeout * 1000) + 5000)
        if found:
            return None
        reason = self.c_failure()  # a stall at the end is reported from C
        reports = self.kernel.reports()
        if reports and (not reason or reason.startswith("kernel BUG")):
            reason = "kernel reported:\n" + str(reports[0])
        if reason:
            return reason
        if self.down:
            self.kernel.cpu_up(self.down[0])
            self.down = None
        self.kernel.lib.hk_fault_suspend(1)
        try:
            self.check_conservation(set())
            if not self.kernel.features & cabi.FEAT_FOR_EACH_FREE:
                drain_check(self.pool)
            self.pool.destroy()
        except Failure as e:
            return str(e)
        if self.kernel.mem().outstanding:
            return f"memory leak after destroy:\n{self.kernel.leaks()}"
        reports = self.kernel.reports()
        return ("kernel reported:\n" + str(reports[0])) if reports else None


# where the task dump says a held lock was taken: an offset into the image
TASK_DUMP_IP = r"ip \+(0x[0-9a-f]+)"


class Watchdog:
    """Every run ends in a verdict: a host thread that watches each task's
    own operation count (the harness's, not the allocator's) and calls
    @on_hang with the diagnosis when a task that is neither asleep nor paused
    has begun no operation for stall_timeout, or when the end takes longer
    than its own bound.  A task spinning with irqs off holds its vCPU, so the
    monitor's own calls (hotplug, stutter, stop) may never return: the
    watchdog does not wait for them."""

    def __init__(self, campaign: Campaign, on_hang: Callable[[str], None]):
        self.c = campaign
        self.on_hang = on_hang
        self.deadline: float | None = None  # the end's bound, once it began
        self.found: str | None = None  # the failure that ended the run early
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def ending(self, found: str | None) -> None:
        """The stop has begun, after @found if a check failed: it has
        stall_timeout plus the stop's grace."""
        self.found = found
        self.deadline = time.monotonic() + 2 * self.c.p.stall_timeout + 10

    def _watch(self) -> None:
        n = self.c.p.nr_tasks
        seen = [-1] * n
        since = [time.monotonic()] * n
        while not self.done.wait(0.05):
            now = time.monotonic()
            if self.deadline is not None:
                if now > self.deadline:
                    late = (f"the tasks did not stop within "
                            f"{2 * self.c.p.stall_timeout + 10:.0f} s of the end")
                    self.on_hang(f"{self.found}\n  then {late}" if self.found else
                                 self.diagnosis(f"no progress: {late}"))
                    return
                continue
            ops, quiet = self.c.progress()
            call = self.c.calling
            if call and now - call[1] > self.c.p.stall_timeout:
                stuck = [f"task {i} (neither paused nor asleep, no operation begun since)"
                         for i in range(len(ops)) if not quiet[i] and since[i] <= call[1]]
                self.on_hang(self.diagnosis(
                    f"no progress: the monitor's {call[0]} has not returned for "
                    f"{now - call[1]:.1f} s; held up by "
                    f"{', '.join(stuck) or 'a task holding what it waits for'}\n"
                    f"{lock_holders(self.c.kernel)}"))
                return
            for i in range(len(ops)):
                if quiet[i] or ops[i] != seen[i]:
                    seen[i], since[i] = ops[i], now
                elif now - since[i] > self.c.p.stall_timeout:
                    self.on_hang(self.diagnosis(
                        f"no progress: task {i} has begun no operation for "
                        f"{now - since[i]:.1f} s and is not asleep"))
                    return

    def diagnosis(self, what: str) -> str:
        return f"{what}\n{task_report(self.c.kernel)}  last trace events:\n" \
               f"{self.c.kernel.trace(24)}"


def named_task_dump(kernel: Kernel) -> str:
    """Every task: state, vCPU, preempt count, irqs, the locks it holds (and
    the function that took each), what it sleeps on."""
    return symbols.name_offsets(kernel.image, kernel.task_dump(), TASK_DUMP_IP)


def lock_holders(kernel: Kernel) -> str:
    """The tasks that hold a lock, as the task dump shows them."""
    holders = [line for line in named_task_dump(kernel).splitlines() if " holds " in line]
    return "  tasks holding locks:\n" + "\n".join(holders or ["    none"]) + "\n"


def task_report(kernel: Kernel) -> str:
    return ("  every task (state, vCPU, preempt count, irqs, locks held):\n"
            f"{named_task_dump(kernel)}")


def drain_check(pool: Pool, timeout: float = 10.0) -> None:
    """Without an iterator: a sleeping alloc never fails (it steals), so
    allocating nr_tags of them must give every tag once, or hang on a lost one."""
    got: list[int] = []

    def drain() -> None:
        for _ in range(pool.nr_tags):
            got.append(pool.alloc(cpu=pool.kernel.online_cpus()[0], state=TASK_UNINTERRUPTIBLE))

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        pool.kernel.lib.hk_kill()
        worker.join(timeout)
        raise Failure(f"conservation: only {len(got)} of {pool.nr_tags} tags could be drained")
    if sorted(got) != list(range(pool.nr_tags)):
        raise Failure(f"conservation: draining gave {sorted(got)[:16]}...")
    for tag in got:
        pool.free(tag)


class Every:
    """A periodic activity on the monitor loop's clock (0 disables)."""

    def __init__(self, interval: float, start: float):
        self.interval = interval
        self.next = start + interval

    def due(self, now: float) -> bool:
        if not self.interval or now < self.next:
            return False
        self.next += self.interval
        return True


def run(params: TortureParams, emit: Callable[[str], None] = print,
        trace_file: Path | None = None,
        on_hang: Callable[[TortureResult], None] | None = None,
        until: Callable[[dict[str, int]], bool] | None = None) -> TortureResult:
    """One torture run in this process; returns its verdict.  With @on_hang,
    a progress watchdog hands it the FAILURE of a run whose tasks stopped
    making progress (the caller ends the process: the threads cannot be
    stopped).  With @until, the run ends as soon as the stats satisfy it
    (the duration is then a bound): tests wait for events, not seconds."""
    p = params.resolved()
    name = f"{p.torture_type}-torture"
    try:
        c = Campaign(p, emit)
    except Failure as e:
        return TortureResult(p, False, str(e), {}, 0.0, [])
    if trace_file:
        c.kernel.lib.hk_trace_attach(str(trace_file).encode())
        c.kernel.lib.hk_torture_history_attach(f"{trace_file}.ops".encode())
    off = phases.disabled(p, c.kernel.features)
    emit(f"--- Start of test: {' '.join(f'{k}={v}' for k, v in asdict(p).items())}"
         + (f"; disabled: {'; '.join(off)}" if off else ""))
    if c.kernel.spec.dropin:  # what was recognised in the user's file
        emit(f"{name}: {c.kernel.spec.about}")
    c.start()
    start = time.monotonic()

    def hang(reason: str) -> None:
        assert on_hang is not None
        on_hang(TortureResult(p, False, reason, c.stats(), time.monotonic() - start,
                              [str(r) for r in c.kernel.reports()]))

    watchdog = Watchdog(c, hang) if on_hang else None
    if watchdog:
        watchdog.start()
    stats_tick = Every(p.stat_interval, start)
    onoff_tick = Every(p.onoff_interval if p.nr_cpus > 1 else 0, start + p.onoff_holdoff)
    stutter_tick = Every(p.stutter, start)
    reason: str | None = None
    try:
        while (now := time.monotonic()) - start < p.duration:
            time.sleep(0.02)
            if until and until(c.stats()):
                break
            if c.c_failure() or c.kernel.dead:
                break
            if c.kernel.lib.hk_report_count():  # a WARN, a lockdep splat: at once
                raise Failure("kernel reported:\n" + str(c.kernel.reports()[0]))
            if stats_tick.due(now):
                s = c.stats()
                mark = "!!! " if s["errors"] else ""
                emit(f"{name}: {mark}t={now - start:.1f}s " +
                     " ".join(f"{k}: {v}" for k, v in s.items()))
            if onoff_tick.due(now):
                c.onoff()
            c.watch_stranded()
            if stutter_tick.due(now):
                with c.monitor_call("stutter"):
                    c.stutter()
            with c.monitor_call("stall check"):
                c.check_stall()
    except Failure as e:
        reason = str(e)
    except (KernelBug, KernelDead) as e:
        reason = f"kernel BUG during a check:\n{e}"
    if watchdog:
        watchdog.ending(reason)
    final = c.finish(found=reason is not None)
    if watchdog:
        watchdog.stop()
    reason = reason or final
    elapsed = time.monotonic() - start
    stats = c.stats()
    reports = [str(r) for r in c.kernel.reports()]
    c.kernel.close()
    return TortureResult(p, reason is None, reason or "", stats, elapsed, reports,
                         phases.idle(c.kernel.spec, stats))


def run_isolated(params: TortureParams, emit: Callable[[str], None] = print) -> TortureResult:
    """run() in a child process: a crash there is a FAILURE here, with its trace."""
    p = params.resolved()
    images.build(images.lookup(p.torture_type))  # a build error is reported here, not as a crash
    with tempfile.TemporaryDirectory(prefix="torture-") as tmp:
        trace = Path(tmp) / "trace"
        result_file = Path(tmp) / "result.json"
        san = sanitizers.current()
        child = subprocess.Popen(
            [sys.executable, "-m", "torture.child", json.dumps(asdict(p)), str(trace),
             str(result_file)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env=sanitizers.child_environment(san),
        )
        assert child.stdout is not None
        # the child's own watchdog ends a stuck run; this bound ends a stuck child
        bound = p.duration + 4 * p.stall_timeout + 60
        killer = threading.Timer(bound, child.kill)
        killer.start()
        started = time.monotonic()
        tail: list[str] = []
        try:
            for line in child.stdout:
                emit(line.rstrip("\n"))
                tail = (tail + [line.rstrip("\n")])[-40:]
            rc = child.wait()
        finally:
            killer.cancel()
        if rc == -signal.SIGKILL and not result_file.exists():
            events = "\n".join(crash.last_events(trace)) or "    (none)"
            return TortureResult(p, False, f"no progress: the kernel process gave no verdict "
                                 f"within {bound:.0f} s and was killed\n"
                                 f"  last kernel trace events:\n{events}", {}, bound, [])
        if result_file.exists() and rc == 0:
            return TortureResult.from_json(json.loads(result_file.read_text()))
        if san and rc > 0:
            summary = [line for line in tail if "SUMMARY:" in line] or tail[-3:]
            return TortureResult(p, False, f"sanitizer: {san} reported (exit {rc}): "
                                 + " / ".join(summary), {}, time.monotonic() - started, [])
        how = (f"killed by {signal.Signals(-rc).name}" if rc < 0 else f"exited with {rc}")
        events = "\n".join(crash.last_events(trace)) or "    (none)"
        ops = "\n".join(crash.last_ops(Path(f"{trace}.ops"))) or "    (none)"
        return TortureResult(p, False, f"crash: the kernel process {how}\n"
                             f"  last kernel trace events:\n{events}\n"
                             f"  last torture operations:\n{ops}", {},
                             time.monotonic() - started, [])
