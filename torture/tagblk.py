"""Drive the tagblk driver (kernel_port/drivers/block/tagblk.c) from threads:
process-context submitters, a timer/softirq-style submitter, the completion
interrupt on any vCPU, and the requeue timer; then account for every request."""

from __future__ import annotations

import ctypes
import random
import threading
import time
from dataclasses import dataclass

from torture.errors import HarnessError
from torture.kernel import Kernel

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
    issued: int
    requeued: int
    failed: int
    completed: int
    free_tags: int
    timed_out: bool


class Tagblk:
    """One tagblk device on a kernel."""

    def __init__(self, kernel: Kernel, depth: int, max_retries: int, nr_requests: int):
        self.k = kernel
        self.depth, self.nr = depth, nr_requests
        for name, argtypes in _PROTOS.items():
            fn = getattr(kernel.lib, name)
            fn.argtypes, fn.restype = argtypes, (None if name == "hk_tagblk_results"
                                                 else ctypes.c_int)
        ret = ctypes.c_long()
        task = kernel.current_task()
        kernel.entry(kernel.lib.hk_tagblk_init(task.ptr, 0, depth, max_retries, nr_requests,
                                               ctypes.byref(ret)))
        if ret.value:
            raise HarnessError(f"tagblk_init failed: {ret.value}")

    def run(self, seed: int, atomic_share: float = 0.5, timeout: float = 30.0) -> DriverResult:
        k, lib, rng = self.k, self.k.lib, random.Random(seed)
        atomic = [rng.random() < atomic_share for _ in range(self.nr)]
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
                k.entry(lib.hk_tagblk_submit(task.ptr, cpu, i, int(atomic[i]), ctypes.byref(ret)))

        def completer() -> None:  # the hardware, raising its interrupt anywhere
            ret, crng = ctypes.c_long(), random.Random(seed + 1)
            while not stop.is_set():
                k.entry(lib.hk_tagblk_complete_one(crng.choice(k.online_cpus()),
                                                   ctypes.byref(ret)))
                if not ret.value:
                    time.sleep(0.0002)

        def timer() -> None:
            ret, trng = ctypes.c_long(), random.Random(seed + 2)
            while not stop.is_set():
                k.entry(lib.hk_tagblk_timer(trng.choice(k.online_cpus()), ctypes.byref(ret)))
                time.sleep(0.0005)

        ids = list(range(self.nr))
        cpus = k.online_cpus()
        workers = [guarded(lambda j=j: submitter(ids[j::len(cpus)], cpus[j]))
                   for j in range(len(cpus))]
        helpers = [guarded(completer), guarded(timer)]
        for t in workers + helpers:
            t.start()
        deadline = time.monotonic() + timeout
        result = self.results(atomic, False)
        while time.monotonic() < deadline and not errors:
            result = self.results(atomic, False)
            if all(result.ends) and not any(t.is_alive() for t in workers):
                break
            time.sleep(0.01)
        else:
            result.timed_out = not errors
        time.sleep(0.01)  # completions in flight land
        stop.set()
        for t in workers + helpers:
            t.join(5)
        if errors:
            raise errors[0]
        return self.results(atomic, result.timed_out)

    def results(self, atomic: list[bool], timed_out: bool) -> DriverResult:
        ends = (ctypes.c_int * self.nr)()
        status = (ctypes.c_int * self.nr)()
        counters = (ctypes.c_long * 5)()
        self.k.lib.hk_tagblk_results(ends, status, counters)
        return DriverResult(list(ends), list(status), atomic, *counters, timed_out)

    def exit(self) -> None:
        ret = ctypes.c_long()
        self.k.entry(self.k.lib.hk_tagblk_exit(self.k.current_task().ptr, 0, ctypes.byref(ret)))
