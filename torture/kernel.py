"""A kernel instance in this process, its tasks, and allocator pools on it."""

from __future__ import annotations

import ctypes
import errno
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from torture import cabi, faults, images, sanitizers, symbols
from torture.errors import (
    HarnessError,
    Interrupted,
    InvalidArgument,
    IteratorError,
    KernelBug,
    KernelDead,
    NoTags,
    OutOfMemory,
    OwnershipError,
    Report,
    Unsupported,
)

TASK_RUNNING = 0
TASK_INTERRUPTIBLE = 1
TASK_UNINTERRUPTIBLE = 2
STATES = {TASK_RUNNING: "TASK_RUNNING", TASK_INTERRUPTIBLE: "TASK_INTERRUPTIBLE",
          TASK_UNINTERRUPTIBLE: "TASK_UNINTERRUPTIBLE"}
MAX_CPUS = 64
ERESTARTSYS = 512
REPORT_KINDS = ["BUG", "WARNING", "LOCKDEP", "BUG (non-fatal)", "LEAK"]


@dataclass(frozen=True)
class MemStats:
    """What the kernel has allocated and not freed."""

    slab_objs: int
    slab_bytes: int
    page_objs: int
    page_bytes: int
    percpu_objs: int
    percpu_bytes: int
    injected: int

    @property
    def outstanding(self) -> int:
        return self.slab_objs + self.page_objs + self.percpu_objs


class Task:
    """A task (`current`) of one kernel.  One host thread uses it at a time."""

    def __init__(self, kernel: Kernel, name: str):
        self.kernel = kernel
        self.name = name
        self.ptr = kernel.lib.hk_task_create(name.encode()[:15])
        if not self.ptr:
            raise OutOfMemory("could not create a task")

    @property
    def pid(self) -> int:
        return int(self.kernel.lib.hk_task_pid(self.ptr))

    @property
    def state(self) -> int:
        return int(self.kernel.lib.hk_task_state(self.ptr))

    def signal(self, fatal: bool = False) -> None:
        """Send a signal: pending until the task returns to user space."""
        self.kernel.lib.hk_signal(self.ptr, int(fatal))

    def make_it_fail(self, on: bool = True) -> None:
        """The flag a fault point's task-filter looks for."""
        self.kernel.lib.hk_task_make_it_fail(self.ptr, int(on))

    def fail_nth(self, n: int) -> None:
        """Make this task's n-th injectable allocation fail (0 disarms)."""
        if not isinstance(n, int) or n < 0:
            raise InvalidArgument(f"fail_nth must be a non-negative integer, not {n!r}")
        self.kernel.lib.hk_task_set_fail_nth(self.ptr, n)

    @property
    def fail_nth_left(self) -> int:
        return int(self.kernel.lib.hk_task_fail_nth(self.ptr))


class Kernel:
    """One booted kernel image: vCPUs, tasks, memory, its allocator."""

    def __init__(self, allocator: str = "percpu_ida", nr_cpus: int = 2,
                 san: str | None = None):
        if not isinstance(nr_cpus, int) or isinstance(nr_cpus, bool):
            raise InvalidArgument(f"nr_cpus must be an integer, not {nr_cpus!r}")
        if not 1 <= nr_cpus <= MAX_CPUS:
            raise InvalidArgument(f"nr_cpus={nr_cpus} out of range: 1..{MAX_CPUS}")
        self.spec = images.lookup(allocator)
        self.allocator = allocator
        self.nr_cpus = nr_cpus
        san = san or sanitizers.current()
        self.image = images.build(self.spec, san)
        self.lib = cabi.load(self.image, images.tls_library(san), keep_copy=san is not None)
        rc = self.lib.hk_boot(nr_cpus)
        if rc:
            raise HarnessError(f"boot failed: {errno.errorcode.get(-rc, rc)}")
        self.features = int(self.lib.hk_features())
        self.generation = int(self.lib.hk_generation())
        self.generation_label = f"API generation {self.spec.gen.label}"
        self._threads = threading.local()
        self._closed = False

    # ---- tasks and calls ----

    def task(self, name: str = "task") -> Task:
        return Task(self, name)

    def current_task(self) -> Task:
        """A task for the calling host thread, made on first use."""
        task = getattr(self._threads, "task", None)
        if task is None:
            task = self._threads.task = Task(self, threading.current_thread().name[:15])
        return task

    def check_cpu(self, cpu: int, online: bool = True) -> None:
        if not isinstance(cpu, int) or isinstance(cpu, bool):
            raise InvalidArgument(f"CPU id must be an integer, not {cpu!r}")
        if not 0 <= cpu < self.nr_cpus:
            raise InvalidArgument(
                f"CPU id {cpu} out of range: this kernel has CPUs 0..{self.nr_cpus - 1}"
            )
        if online and not self.online(cpu):
            raise InvalidArgument(f"CPU {cpu} is offline")

    def check_alive(self) -> None:
        if self._closed:
            raise KernelDead("this kernel was closed")
        if self.dead:
            raise KernelDead(f"this kernel is dead: {self.last_bug() or 'killed'}")

    def entry(self, rc: int) -> None:
        """Turn a harness entry's status into an exception."""
        if rc == 0:
            return
        if rc == -cabi.HK_EBUG:
            raise KernelBug(self.last_bug())
        if rc == -cabi.HK_EDEAD:
            raise KernelDead(f"this kernel is dead: {self.last_bug() or 'killed'}")
        if rc == -errno.ENODEV:
            raise InvalidArgument("the CPU went offline")
        if rc == -errno.ENOENT:
            raise InvalidArgument("no such selftest")
        raise InvalidArgument(f"bad call: {errno.errorcode.get(-rc, rc)}")

    def selftest(self, name: str, cpu: int = 0, arg: int = 0, irq: bool = False,
                 task: Task | None = None) -> int:
        """Run one of shims/harness/selftest.c's kernel functions."""
        self.check_alive()
        self.check_cpu(cpu)
        task = task or self.current_task()
        ret = ctypes.c_long()
        self.entry(self.lib.hk_selftest(task.ptr, cpu, int(irq), name.encode(), arg,
                                        ctypes.byref(ret)))
        return ret.value

    def selftest_log(self) -> str:
        return cabi.text(self.lib.hk_selftest_log, 4096)

    # ---- CPUs ----

    def online(self, cpu: int) -> bool:
        return bool(self.lib.hk_cpu_online(cpu))

    def online_cpus(self) -> list[int]:
        return [cpu for cpu in range(self.nr_cpus) if self.online(cpu)]

    def cpu_down(self, cpu: int) -> None:
        self.check_alive()
        self.check_cpu(cpu)
        rc = self.lib.hk_cpu_down(cpu)
        if rc == -errno.EBUSY:
            raise InvalidArgument(f"CPU {cpu} is the last one online")
        self.entry(rc)

    def cpu_up(self, cpu: int) -> None:
        self.check_alive()
        self.check_cpu(cpu, online=False)
        if self.online(cpu):
            raise InvalidArgument(f"CPU {cpu} is already online")
        self.entry(self.lib.hk_cpu_up(cpu))

    # ---- state and reports ----

    @property
    def dead(self) -> bool:
        return bool(self.lib.hk_kernel_dead())

    def reports(self) -> list[Report]:
        out = []
        for i in range(self.lib.hk_report_count()):
            r = cabi.HkReport()
            if self.lib.hk_report_get(i, ctypes.byref(r)) == 0:
                out.append(Report(
                    kind=REPORT_KINDS[r.kind], message=r.msg.decode(errors="replace"),
                    task=r.task.decode(errors="replace"), pid=r.pid, cpu=r.cpu,
                    site=f"{r.file.decode()}:{r.line}", function=r.func.decode(),
                    trace=r.trace.decode(errors="replace"),
                ))
        return out

    def last_bug(self) -> Report | None:
        bugs = [r for r in self.reports() if r.kind == "BUG"]
        return bugs[-1] if bugs else None

    def dmesg(self) -> str:
        return cabi.text(self.lib.hk_dmesg)

    def sched_counts(self) -> list[int]:
        """sleeps, wakeups, steal attempts (atomics and locks on another
        CPU's per-cpu data), global-lock trips, spurious wakeups: the
        shims' counts over every task, the idle ones included."""
        counts = (ctypes.c_long * cabi.SCHED_COUNTS)()
        self.lib.hk_sched_counts(counts)
        return list(counts)

    def wakeups(self) -> int:
        """Sleepers woken so far: counted by the waker as it wakes one, so a
        test sees a wakeup the moment the call that made it returns."""
        return self.sched_counts()[1]

    def task_dump(self) -> str:
        return cabi.text(self.lib.hk_task_dump)

    def trace(self, events: int = 64) -> str:
        buf = ctypes.create_string_buffer(1 << 16)
        self.lib.hk_trace_text(buf, len(buf), events)
        return buf.value.decode(errors="replace")

    def mem(self) -> MemStats:
        st = cabi.HkMemStats()
        self.lib.hk_mem_stats(ctypes.byref(st))
        return MemStats(*(getattr(st, name) for name, _ in cabi.HkMemStats._fields_))

    def leaks(self) -> str:
        """kmemleak-style lines for every live object, with the allocating function."""
        return symbolize(cabi.text(self.lib.hk_mem_leaks), self.image)

    def redzone_damage(self) -> str | None:
        """The first live object whose redzone was written past its end
        (CONFIG_SLUB_DEBUG's red zoning, per-cpu areas included), with the
        allocating function; None when every one is intact."""
        buf = ctypes.create_string_buffer(512)
        if not self.lib.hk_mem_check_redzones(buf, len(buf)):
            return None
        return symbolize(buf.value.decode(errors="replace"), self.image)

    # ---- fault injection ----

    def fault_write(self, path: str, value: object) -> None:
        """Write a knob, as to debugfs: fault_write("failslab/probability", 10)."""
        rc = self.lib.hk_fault_write(path.encode(), str(value).encode())
        if rc == -errno.ENOENT:
            raise InvalidArgument(f"no fault knob {path!r}")
        if rc:
            raise InvalidArgument(f"bad value {value!r} for fault knob {path!r}")

    def fault_read(self, point: str) -> dict[str, str]:
        """A point's knobs and its injection count, as debugfs shows them."""
        buf = ctypes.create_string_buffer(1024)
        if self.lib.hk_fault_read(point.encode(), buf, len(buf)) < 0:
            raise InvalidArgument(f"unknown fault point {point!r}")
        return dict(line.split(" ", 1) for line in buf.value.decode().splitlines())

    def inject(self, spec: str | faults.FaultSpec) -> None:
        """Arm a fault: inject("failslab:probability=10,times=5")."""
        parsed = faults.parse(spec) if isinstance(spec, str) else spec
        for knob, value in parsed.knobs:
            if knob in faults.RANGES and value.isidentifier():
                value = str(self.function_address(value, end=knob.endswith("-end")))
            self.fault_write(f"{parsed.point}/{knob}", value)

    def function_address(self, name: str, end: bool = False) -> int:
        """Where the out-of-line copy of function @name starts (or ends) in
        this kernel's memory: what a stack trace's return addresses fall in."""
        ranges = [(e.lo, e.hi) for e in symbols.extents(self.image)
                  if e.name == name and e.depth == 0]
        if not ranges:
            raise InvalidArgument(f"no out-of-line function {name!r} in "
                                  f"{self.image.name}: a stack trace cannot show it")
        lo, hi = min(ranges)
        return self.lib.hk_image_base() + (hi if end else lo)

    def set_lockup_timeout(self, ms: int) -> None:
        self.lib.hk_set_lockup_timeout(ms)

    # ---- pools ----

    def pool(self, nr_tags: int, max_size: int | None = None, batch_size: int | None = None,
             cpu: int = 0, task: Task | None = None) -> Pool:
        return Pool(self, nr_tags, max_size, batch_size, cpu, task)

    def close(self) -> None:
        """Kill the kernel (waking anything blocked in it) and free its memory."""
        if not self._closed:
            self._closed = True
            self.lib.hk_shutdown()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def symbolize(text: str, image: Path) -> str:
    """Replace each image+0xOFF with function (file:line), using addr2line."""
    offsets = sorted(set(re.findall(r"image\+(0x[0-9a-f]+)", text)))
    if not offsets:
        return text
    try:
        out = subprocess.run(["addr2line", "-f", "-s", "-e", str(image), *offsets],
                             capture_output=True, text=True, timeout=30).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return text
    for i, off in enumerate(offsets):
        if 2 * i + 1 < len(out):
            text = text.replace(f"image+{off}", f"{out[2 * i]} ({out[2 * i + 1]})")
    return text


def _raise_errno(value: int, what: str) -> None:
    if value == -errno.ENOSPC:
        raise NoTags(f"{what}: -ENOSPC")
    if value == -ERESTARTSYS:
        raise Interrupted(f"{what}: -ERESTARTSYS")
    if value == -errno.ENOMEM:
        raise OutOfMemory(f"{what}: -ENOMEM")
    if value == -errno.EINVAL:
        raise InvalidArgument(f"{what}: -EINVAL")
    raise HarnessError(f"{what}: {errno.errorcode.get(-value, value)}")


class Pool:
    """An allocator instance on a kernel, with the harness's ownership ledger.

    Every tag handed out is recorded as owned; a second hand-out of an owned
    tag, or a free of a tag nobody owns, raises OwnershipError at once.
    """

    def __init__(self, kernel: Kernel, nr_tags: int, max_size: int | None,
                 batch_size: int | None, cpu: int, task: Task | None):
        kernel.check_alive()
        kernel.check_cpu(cpu)
        for label, value in (("nr_tags", nr_tags), ("max_size", max_size),
                             ("batch_size", batch_size)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidArgument(f"{label} must be an integer, not {value!r}")
        if nr_tags < 0:
            raise InvalidArgument(f"nr_tags={nr_tags} is negative")
        sized = max_size is not None or batch_size is not None
        if sized and not kernel.features & cabi.FEAT_INIT_SIZES:
            raise Unsupported(f"{kernel.generation_label} fixes the cache sizes inside the .c",
                              kernel.spec.dropin)
        if sized:
            max_size = max_size if max_size is not None else 48
            batch_size = batch_size if batch_size is not None else 32
            if max_size < 1 or batch_size < 1 or batch_size > max_size:
                raise InvalidArgument(
                    f"need 1 <= batch_size <= max_size, got max_size={max_size} "
                    f"batch_size={batch_size}"
                )
        self.kernel = kernel
        self.nr_tags = nr_tags
        gen = kernel.spec.gen
        self.max_size = max_size or gen.max_size or (64 if kernel.allocator.endswith("v1") else 48)
        self.batch_size = batch_size or gen.batch_size or 32
        self.owned: dict[int, str] = {}
        self._lock = threading.Lock()
        self._ptr = kernel.lib.hk_pool_new(nr_tags)
        self._destroyed = False
        ret = self._op(cabi.OP_INIT, cpu, task, False, nr_tags, max_size or 0, batch_size or 0)
        if ret < 0:
            kernel.lib.hk_pool_release(self._ptr)
            self._destroyed = True
            _raise_errno(ret, f"init of {nr_tags} tags")

    def _check_usable(self) -> None:
        self.kernel.check_alive()
        if self._destroyed:
            raise InvalidArgument("this pool was destroyed")

    def _op(self, opcode: int, cpu: int, task: Task | None, irq: bool, a: int = 0,
            b: int = 0, c: int = 0, buf: ctypes.Array | None = None) -> int:
        k = self.kernel
        self._check_usable()
        k.check_cpu(cpu)
        op = cabi.HkPoolOp(opcode=opcode, pool=self._ptr, a=a, b=b, c=c)
        if buf is not None:
            op.buf = ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint))
            op.cap = len(buf)
        ret = ctypes.c_long()
        task = task or k.current_task()
        k.entry(k.lib.hk_pool_op(task.ptr, cpu, int(irq), ctypes.byref(op), ctypes.byref(ret)))
        self._last_count = op.count
        return ret.value

    def alloc(self, cpu: int = 0, state: int = TASK_RUNNING, task: Task | None = None,
              irq: bool = False) -> int:
        """percpu_ida_alloc() on @cpu as @task (or as an interrupt handler)."""
        if state not in STATES:
            raise InvalidArgument(f"unknown task state {state!r}")
        if state == TASK_INTERRUPTIBLE and not self.kernel.features & cabi.FEAT_INTERRUPTIBLE:
            raise Unsupported(f"{self.kernel.generation_label} has no interruptible "
                              "allocation", self.kernel.spec.dropin)
        tag = self._op(cabi.OP_ALLOC, cpu, task, irq, state)
        if tag < 0:
            _raise_errno(tag, f"alloc on CPU {cpu} in {STATES[state]}")
        if not 0 <= tag < self.nr_tags:
            raise OwnershipError(f"tag {tag} out of range [0, {self.nr_tags})")
        owner = f"{task.name if task else threading.current_thread().name}@cpu{cpu}"
        with self._lock:
            if tag in self.owned:
                raise OwnershipError(
                    f"double allocation: tag {tag} handed to {owner} while "
                    f"{self.owned[tag]} holds it"
                )
            self.owned[tag] = owner
        return tag

    def free(self, tag: int, cpu: int = 0, task: Task | None = None, irq: bool = False,
             check: bool = True) -> None:
        """percpu_ida_free() on @cpu.  With check=False the ledger is bypassed."""
        self._check_usable()
        self.kernel.check_cpu(cpu)
        if not isinstance(tag, int) or isinstance(tag, bool):
            raise InvalidArgument(f"a tag is an integer, not {tag!r}")
        if check and 0 <= tag < self.nr_tags:
            with self._lock:
                if tag not in self.owned:
                    raise OwnershipError(f"free of tag {tag}, which nobody holds")
                del self.owned[tag]
        if check and tag < 0:
            raise InvalidArgument(f"tag {tag} is negative")
        self._op(cabi.OP_FREE, cpu, task, irq, tag)

    def wake_slack(self) -> int:
        """How many tags may be free while a sleeper still waits, all else
        quiet: 0 but for an allocator that batches its wakeups (sbitmap)."""
        self._check_usable()
        return int(self.kernel.lib.hk_pool_wake_slack(self._ptr))

    def for_each_free(self, cpu: int = 0, stop_after: int = 0) -> list[int]:
        """percpu_ida_for_each_free(): the free tags, in the order visited.
        With @stop_after, the callback asks it to stop after that many."""
        if not self.kernel.features & cabi.FEAT_FOR_EACH_FREE:
            raise Unsupported(f"{self.kernel.generation_label} has no "
                              "percpu_ida_for_each_free()", self.kernel.spec.dropin)
        if not isinstance(stop_after, int) or stop_after < 0:
            raise InvalidArgument(f"stop_after must be a count, not {stop_after!r}")
        cap = max(self.nr_tags, 1)
        while True:
            buf = (ctypes.c_uint * cap)()
            ret = self._op(cabi.OP_FOR_EACH_FREE, cpu, None, False, a=stop_after, buf=buf)
            if stop_after and self._last_count == stop_after and ret != 1:
                raise IteratorError(f"for_each_free returned {ret}, not the callback's 1")
            if not stop_after and ret != 0:
                raise IteratorError(f"for_each_free returned {ret}, though the callback "
                                    f"returned 0 for each of its {self._last_count} tags")
            if self._last_count <= cap:
                return list(buf[: self._last_count])
            cap = self._last_count

    def free_tags(self, cpu: int) -> int:
        """percpu_ida_free_tags(): a CPU's cached count, or the global one for nr_cpus."""
        if not self.kernel.features & cabi.FEAT_FREE_TAGS:
            raise Unsupported(f"{self.kernel.generation_label} has no "
                              "percpu_ida_free_tags()", self.kernel.spec.dropin)
        k = self.kernel
        if cpu != k.nr_cpus:
            k.check_cpu(cpu, online=False)
        return self._op(cabi.OP_FREE_TAGS, k.online_cpus()[0], None, False, cpu)

    def check_conservation(self) -> None:
        """At a quiescent point: free + owned is every tag, each exactly once."""
        free = self.for_each_free(self.kernel.online_cpus()[0])
        seen: dict[int, int] = {}
        for tag in free:
            seen[tag] = seen.get(tag, 0) + 1
        twice = sorted(t for t, n in seen.items() if n > 1)
        both = sorted(set(seen) & set(self.owned))
        missing = sorted(set(range(self.nr_tags)) - set(seen) - set(self.owned))
        bogus = sorted(t for t in seen if not 0 <= t < self.nr_tags)
        if twice or both or missing or bogus:
            raise OwnershipError(
                f"conservation broken: free twice {twice[:10]}, free and owned {both[:10]}, "
                f"lost {missing[:10]}, out of range {bogus[:10]}"
            )

    def destroy(self, cpu: int = 0, force: bool = False) -> None:
        """percpu_ida_destroy().  With tags still held the harness refuses
        (the real code would free them from under their owners), unless @force."""
        self._check_usable()
        if self.owned and not force:
            raise OwnershipError(f"destroy with {len(self.owned)} tags outstanding: "
                                 f"{sorted(self.owned)[:10]}")
        self._op(cabi.OP_DESTROY, cpu, None, False)
        self._destroyed = True
        self.kernel.lib.hk_pool_release(self._ptr)

    @property
    def destroyed(self) -> bool:
        return self._destroyed
