"""Scenarios for the deterministic engine: a pool, tasks with op programs,
interrupt handlers, hotplug events; and their encoding for the C side."""

from __future__ import annotations

from dataclasses import dataclass, field

from torture import cabi, faults
from torture.errors import InvalidArgument
from torture.kernel import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE

OP_ALLOC, OP_FREE, OP_FREE_TAG, OP_HAND, OP_SIGNAL, OP_FREE_ALL, OP_FOR_EACH_FREE = range(7)
OP_FREE_TAGS, OP_SUBMIT, OP_SUBMIT_ATOMIC, OP_COMPLETE, OP_TIMER, OP_NAP = range(8, 14)
OP_NAMES = ("alloc", "free", "free_tag", "hand", "signal", "free_all", "for_each_free",
            "for_each_free_twice", "free_tags", "submit", "submit_atomic", "complete", "timer",
            "nap")
STATES = {"running": TASK_RUNNING, "uninterruptible": TASK_UNINTERRUPTIBLE,
          "interruptible": TASK_INTERRUPTIBLE}


@dataclass(frozen=True)
class Op:
    """One call a task or handler makes.  Build them with the helpers below."""

    op: int
    a: int = 0
    b: int = 0

    def __str__(self) -> str:
        if self.op == OP_ALLOC:
            state = next(k for k, v in STATES.items() if v == self.a)
            return f"alloc({state})"
        if self.op in (OP_FREE, OP_FREE_TAG):
            return f"{OP_NAMES[self.op]}({self.a})"
        if self.op == OP_HAND:
            return f"hand({self.a}, to={self.b})"
        if self.op == OP_SIGNAL:
            return f"signal({self.a}{', fatal' if self.b else ''})"
        if self.op == OP_FREE_TAGS:
            return f"free_tags({self.a})"
        if self.op >= OP_SUBMIT:
            return f"{OP_NAMES[self.op]}()"
        return "for_each_free()" if self.op == OP_FOR_EACH_FREE else "free_all()"


def alloc(state: str = "uninterruptible") -> Op:
    if state not in STATES:
        raise InvalidArgument(f"unknown task state {state!r}: one of {sorted(STATES)}")
    return Op(OP_ALLOC, STATES[state])


def free(which: int = -1) -> Op:
    """Free a held tag: the @which-th oldest, -1 the newest."""
    return Op(OP_FREE, which)


def free_tag(tag: int) -> Op:
    """Free a given tag, whoever holds it (a completion freeing a request's tag)."""
    return Op(OP_FREE_TAG, tag)


def hand(to: int, which: int = -1) -> Op:
    """Pass a held tag to task @to, which frees it later: a cross-CPU free."""
    return Op(OP_HAND, which, to)


def signal(task: int, fatal: bool = False) -> Op:
    return Op(OP_SIGNAL, task, int(fatal))


def nap(jiffies: int, interruptible: bool = False) -> Op:
    """schedule_timeout(@jiffies): the value traced is what it returns, the
    jiffies left (0 when the timer fired, which the engine decides)."""
    return Op(OP_NAP, jiffies, int(interruptible))


def free_all() -> Op:
    return Op(OP_FREE_ALL)


def free_tags(cpu: int) -> Op:
    """percpu_ida_free_tags(cpu) (nr_cpus: the global stack), traced."""
    return Op(OP_FREE_TAGS, cpu)


def submit() -> Op:
    """Driver scenarios: the next request, from process context (sleeps for a tag)."""
    return Op(OP_SUBMIT)


def submit_atomic() -> Op:
    """Driver scenarios: the next request from a timer or irq: never sleeps;
    without a tag it is requeued, and after max_retries it ends with -EBUSY."""
    return Op(OP_SUBMIT_ATOMIC)


def complete() -> Op:
    """Driver scenarios (in an irq handler): the hardware finishes its oldest request."""
    return Op(OP_COMPLETE)


def timer() -> Op:
    """Driver scenarios (in an irq handler): the requeue timer runs."""
    return Op(OP_TIMER)


def for_each_free() -> Op:
    """Walk the free tags with the allocator's iterator (traced: the count,
    then how many it reported twice)."""
    return Op(OP_FOR_EACH_FREE)


@dataclass
class Task:
    cpu: int
    ops: list[Op]


@dataclass
class Irq:
    """An interrupt handler on @cpu, raised @count times, running @ops each time."""

    cpu: int
    ops: list[Op]
    count: int = 1


@dataclass
class Hotplug:
    cpu: int
    up: bool = False
    may_fail: bool = False  # a callback's refusal (and its unwinding) is a decision too


@dataclass
class Scenario:
    nr_tags: int = 16
    max_size: int = 6
    batch_size: int = 4
    nr_cpus: int = 2
    tasks: list[Task] = field(default_factory=list)
    irqs: list[Irq] = field(default_factory=list)
    hotplug: list[Hotplug] = field(default_factory=list)
    # fault specs armed for the scenario's calls ("fail_function:inject=...");
    # every run starts from the same fault state, so a run replays with them
    faults: list[str] = field(default_factory=list)
    # a tagblk device of nr_tags tags instead of a bare pool (driver ops only)
    driver: bool = False
    max_retries: int = 2
    # at most this many sleepers woken for no reason per run (the kernel
    # allows it): each a decision
    spurious_wakeups: int = 0

    def encode(self) -> cabi.HkDetScenario:
        """The C form; a bad scenario raises InvalidArgument naming the problem."""
        self.check()
        sc = cabi.HkDetScenario()
        sc.nr_tags, sc.max_size, sc.batch_size = self.nr_tags, self.max_size, self.batch_size
        ops: list[Op] = []
        for progs, dest in ((self.tasks, sc.tasks), (self.irqs, sc.irqs)):
            for i, prog in enumerate(progs):
                dest[i].cpu = prog.cpu
                dest[i].first = len(ops)
                dest[i].nr = len(prog.ops)
                dest[i].count = getattr(prog, "count", 0)
                ops.extend(prog.ops)
        for i, op in enumerate(ops):
            sc.ops[i].op, sc.ops[i].a, sc.ops[i].b = op.op, op.a, op.b
        for i, event in enumerate(self.hotplug):
            sc.hotplug[i][0], sc.hotplug[i][1] = event.cpu, int(event.up)
            sc.hotplug[i][2] = int(event.may_fail)
        sc.nr_tasks, sc.nr_irqs = len(self.tasks), len(self.irqs)
        sc.nr_hotplug, sc.nr_ops = len(self.hotplug), len(ops)
        sc.driver, sc.max_retries = int(self.driver), self.max_retries
        sc.spurious_wakeups = int(self.spurious_wakeups)
        return sc

    def check(self) -> None:
        for spec in self.faults:
            faults.parse(spec)
        limits = ((len(self.tasks), cabi.DET_MAX_TASKS, "tasks"),
                  (len(self.irqs), cabi.DET_MAX_EVENTS, "irq handlers"),
                  (len(self.hotplug), cabi.DET_MAX_EVENTS, "hotplug events"),
                  (sum(len(p.ops) for p in [*self.tasks, *self.irqs]), cabi.DET_MAX_OPS, "ops"))
        for n, most, what in limits:
            if n > most:
                raise InvalidArgument(f"a scenario has at most {most} {what}, not {n}")
        if not 0 <= self.spurious_wakeups <= 64:
            raise InvalidArgument(f"spurious_wakeups={self.spurious_wakeups} out of range: 0..64")
        if not 1 <= self.nr_tags <= 4096:
            raise InvalidArgument(f"nr_tags={self.nr_tags} out of range: 1..4096")
        for what, items in (("task", self.tasks), ("irq", self.irqs), ("hotplug", self.hotplug)):
            for item in items:
                if not 0 <= item.cpu < self.nr_cpus:
                    raise InvalidArgument(f"{what} on cpu {item.cpu}: the scenario has "
                                          f"{self.nr_cpus} vCPUs")

    def describe(self) -> str:
        what = f"tagblk, {self.max_retries} retries: " if self.driver else "pool: "
        lines = [f"{what}{self.nr_tags} tags, max_size {self.max_size}, "
                 f"batch {self.batch_size}; {self.nr_cpus} vCPUs"]
        for i, t in enumerate(self.tasks):
            lines.append(f"task {i} on cpu {t.cpu}: " + ", ".join(map(str, t.ops)))
        for i, irq in enumerate(self.irqs):
            lines.append(f"irq {i} on cpu {irq.cpu} x{irq.count}: " + ", ".join(map(str, irq.ops)))
        for h in self.hotplug:
            lines.append(f"cpu_{'up' if h.up else 'down'}({h.cpu})"
                         + (" (may be refused)" if h.may_fail else ""))
        lines += [f"fault {spec}" for spec in self.faults]
        if self.spurious_wakeups:
            lines.append(f"up to {self.spurious_wakeups} sleepers woken without cause")
        return "\n".join(lines)


def standard() -> Scenario:
    """The benchmark's scenario: 2 vCPUs, 2 tasks x 8 ops, 16 tags, batch 4, max 6."""
    prog0 = [alloc(), alloc(), alloc(), hand(1), alloc(), free(), free(), free()]
    prog1 = [alloc(), alloc(), alloc(), alloc(), hand(0), free(), free(), free()]
    return Scenario(16, 6, 4, 2, [Task(0, prog0), Task(1, prog1)])

