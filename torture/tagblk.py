"""Drive the tagblk driver (kernel_port/drivers/block/tagblk.c) from threads:
process-context submitters, a timer/softirq-style submitter, the completion
interrupt on any vCPU, the requeue timer and, if asked, CPU hotplug; then
account for every request (`problems()`: the driver's invariants)."""

from __future__ import annotations

import ctypes
import errno
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from torture.errors import OutOfMemory
from torture.kernel import Kernel, Task

c_long_p = ctypes.POINTER(ctypes.c_long)
_PROTOS = {
    "hk_tagblk_init": [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_long,
                       ctypes.c_long, c_long_p],
    "hk_tagblk_submit": [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_int, c_long_p],
    "hk_tagblk_complete_one": [ctypes.c_int, c_long_p],
    "hk_tagblk_timer": [ctypes.c_int, c_long_p],
    "hk_tagblk_results": [ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int), c_long_p],
    "hk_tagblk_exit": [ctypes.c_void_p, ctypes.c_int, c_long_p],
}


@dataclass
class DriverResult:
    ends: list[int]          # per request: how many times it ended
    status: list[int]        # per request: its status
    atomic: list[bool]       # per request: submitted from the timer path
    returned: list[int | None]  # per request: what tagblk_submit() told its caller
    issued: int
    requeued: int
    failed: int
    completed: int
    free_tags: int
    timed_out: bool


def problems(result: DriverResult, depth: int, task_errors: set[int]) -> list[str]:
    """What the driver got wrong: a request lost or ended twice, an error the
    path cannot give (-EBUSY only from the timer path; from a process
    context only @task_errors, the errors injected or an allocation failure),
    a submitter told something other than its request's status, a tag not
    returned, counters that do not add up.  Empty when all is well."""
    found = []
    lost = [i for i, n in enumerate(result.ends) if n == 0]
    twice = [i for i, n in enumerate(result.ends) if n > 1]
    if result.timed_out or lost:
        found.append(f"requests never ended: {lost[:10]} of {len(lost)}")
    if twice:
        found.append(f"requests ended twice: {twice[:10]}")
    wrong = [(i, s) for i, s in enumerate(result.status)
             if s and not (s == -errno.EBUSY if result.atomic[i] else s in task_errors)]
    if wrong:
        found.append(f"requests ended with an error their path cannot give: {wrong[:10]}")
    told = [(i, r, s) for i, (r, s) in enumerate(zip(result.returned, result.status, strict=True))
            if r is not None and r != s]
    if told:
        found.append(f"submitters told other than their request's status "
                     f"(request, told, status): {told[:10]}")
    if result.free_tags not in (-1, depth):
        found.append(f"a tag leaked: {result.free_tags} of {depth} free at the end")
    if not lost and result.completed + result.failed != len(result.ends):
        found.append(f"counters: {result.completed} completed + {result.failed} failed "
                     f"for {len(result.ends)} requests")
    return found


class Tagblk:
    """One tagblk device on a kernel."""

    def __init__(self, kernel: Kernel, depth: int, max_retries: int, nr_requests: int,
                 task: Task | None = None):
        self.k = kernel
        self.depth, self.nr = depth, nr_requests
        for name, argtypes in _PROTOS.items():
            fn = getattr(kernel.lib, name)
            fn.argtypes, fn.restype = argtypes, (None if name == "hk_tagblk_results"
                                                 else ctypes.c_int)
        ret = ctypes.c_long()
        task = task or kernel.current_task()
        kernel.entry(kernel.lib.hk_tagblk_init(task.ptr, kernel.online_cpus()[0], depth,
                                               max_retries, nr_requests, ctypes.byref(ret)))
        if ret.value:
            raise OutOfMemory(f"tagblk_init failed: {ret.value}")

    def _anywhere(self, call: Callable[[int], int], cpu: int) -> None:
        """@call(cpu), or on another vCPU if hotplug took that one away."""
        while (rc := call(cpu)) == -errno.ENODEV:
            cpu = random.choice(self.k.online_cpus())
        self.k.entry(rc)

    def run(self, seed: int, atomic_share: float = 0.5, timeout: float = 30.0,
            hotplug_interval: float = 0.0) -> DriverResult:
        k, lib, rng = self.k, self.k.lib, random.Random(seed)
        atomic = [rng.random() < atomic_share for _ in range(self.nr)]
        returned: list[int | None] = [None] * self.nr
        stop = threading.Event()
        errors: list[BaseException] = []

        def guarded(fn):  # type: ignore[no-untyped-def]
            def body() -> None:
                try:
                    fn()
                except BaseException as e:  # noqa: BLE001 - reported by run()
                    errors.append(e)
                    stop.set()
            return threading.Thread(target=body, daemon=True)

        def submitter(ids: list[int], cpu: int) -> None:
            task, ret = k.task(f"submit{cpu}"), ctypes.c_long()
            for i in ids:
                self._anywhere(lambda c, i=i: lib.hk_tagblk_submit(
                    task.ptr, c, i, int(atomic[i]), ctypes.byref(ret)), cpu)
                if not atomic[i]:
                    returned[i] = ret.value

        def completer() -> None:  # the hardware, raising its interrupt anywhere
            ret, crng = ctypes.c_long(), random.Random(seed + 1)
            while not stop.is_set():
                self._anywhere(lambda c: lib.hk_tagblk_complete_one(c, ctypes.byref(ret)),
                               crng.choice(k.online_cpus()))
                if not ret.value:
                    time.sleep(0.0002)

        def timer() -> None:
            ret, trng = ctypes.c_long(), random.Random(seed + 2)
            while not stop.is_set():
                self._anywhere(lambda c: lib.hk_tagblk_timer(c, ctypes.byref(ret)),
                               trng.choice(k.online_cpus()))
                time.sleep(0.0005)

        def hotplug() -> None:  # one CPU at a time goes down and comes back
            hrng = random.Random(seed + 3)
            while not stop.wait(hotplug_interval):
                cpu = hrng.choice(k.online_cpus()[1:] or [None])  # never the last
                if cpu is None:
                    continue
                k.cpu_down(cpu)
                stop.wait(hotplug_interval)
                k.cpu_up(cpu)

        ids = list(range(self.nr))
        cpus = k.online_cpus()
        workers = [guarded(lambda j=j: submitter(ids[j::len(cpus)], cpus[j]))
                   for j in range(len(cpus))]
        helpers = [guarded(completer), guarded(timer)]
        if hotplug_interval:
            helpers.append(guarded(hotplug))
        for t in workers + helpers:
            t.start()
        # @timeout bounds a stretch without progress, not the round: a
        # request lost never ends, a loaded machine only ends them slowly
        deadline, ended = time.monotonic() + timeout, 0
        result = self.results(atomic, returned, False)
        while time.monotonic() < deadline and not errors:
            result = self.results(atomic, returned, False)
            if all(result.ends) and not any(t.is_alive() for t in workers):
                break
            if sum(map(bool, result.ends)) > ended:
                deadline, ended = time.monotonic() + timeout, sum(map(bool, result.ends))
            time.sleep(0.01)
        else:
            result.timed_out = not errors
        time.sleep(0.01)  # completions in flight land
        stop.set()
        for t in workers + helpers:
            t.join(5)
        if errors:
            raise errors[0]
        return self.results(atomic, returned, result.timed_out)

    def results(self, atomic: list[bool], returned: list[int | None],
                timed_out: bool) -> DriverResult:
        ends = (ctypes.c_int * self.nr)()
        status = (ctypes.c_int * self.nr)()
        counters = (ctypes.c_long * 5)()
        self.k.lib.hk_tagblk_results(ends, status, counters)
        return DriverResult(list(ends), list(status), atomic, list(returned), *counters,
                            timed_out)

    def exit(self) -> None:
        ret = ctypes.c_long()
        self.k.entry(self.k.lib.hk_tagblk_exit(self.k.current_task().ptr,
                                               self.k.online_cpus()[0], ctypes.byref(ret)))
