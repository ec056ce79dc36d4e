"""The C ABI of an image: ctypes structures and prototypes, and loading a copy.

Each Kernel loads its own copy of the image file, so each has its own
globals: two Kernels are two independent machines.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import tempfile
from pathlib import Path

HK_EBUG = 100000
HK_EDEAD = 100001

c_long_p = ctypes.POINTER(ctypes.c_long)


class HkReport(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("cpu", ctypes.c_int),
        ("pid", ctypes.c_int),
        ("line", ctypes.c_int),
        ("task", ctypes.c_char * 16),
        ("func", ctypes.c_char * 64),
        ("file", ctypes.c_char * 160),
        ("msg", ctypes.c_char * 512),
        ("trace", ctypes.c_char * 4096),
    ]


BENCH_BUCKETS = 336  # shims/harness/bench_run.c


class HkBenchParams(ctypes.Structure):
    _fields_ = [
        ("pool", ctypes.c_void_p),
        ("reference", ctypes.c_int),
        ("workload", ctypes.c_int),
        ("nr_threads", ctypes.c_int),
        ("burst", ctypes.c_int),
        ("sample_shift", ctypes.c_int),
        ("duration_us", ctypes.c_long),
        ("join_timeout_ms", ctypes.c_long),
    ]


class HkBenchResult(ctypes.Structure):
    _fields_ = [
        ("pairs", ctypes.c_long),
        ("enospc", ctypes.c_long),
        ("ns", ctypes.c_long),
        ("failed", ctypes.c_long),
        ("hist", ctypes.c_long * BENCH_BUCKETS),
    ]


class HkMemStats(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_long)
        for name in (
            "slab_objs", "slab_bytes", "page_objs", "page_bytes",
            "percpu_objs", "percpu_bytes", "injected",
        )
    ]


class HkPoolOp(ctypes.Structure):
    _fields_ = [
        ("opcode", ctypes.c_int),
        ("pool", ctypes.c_void_p),
        ("a", ctypes.c_long),
        ("b", ctypes.c_long),
        ("c", ctypes.c_long),
        ("buf", ctypes.POINTER(ctypes.c_uint)),
        ("cap", ctypes.c_long),
        ("count", ctypes.c_long),
    ]


class HkTortureParams(ctypes.Structure):
    _fields_ = [
        ("pool", ctypes.c_void_p),
        ("nr_tasks", ctypes.c_int),
        ("hold", ctypes.c_int),
        ("sleepers", ctypes.c_int),
        ("interruptible", ctypes.c_int),
        ("slice", ctypes.c_int),
        ("cross_cpu_free", ctypes.c_int),
        ("irq_interval_us", ctypes.c_int),
        ("signal_interval_us", ctypes.c_int),
        ("shuffle_interval_us", ctypes.c_int),
        ("injected_errno", ctypes.c_int),
        ("seed", ctypes.c_ulong),
        ("irq_busy", ctypes.c_int),
        ("asymmetric", ctypes.c_int),
    ]


# hk_sched_counts(): sleeps, wakeups, remote per-cpu ops, global locks, spurious wakeups
SCHED_COUNTS = 5

TORTURE_STATS = ("ops", "allocs", "frees", "enospc", "sleeping_allocs", "restarts",
                 "cross_frees", "irqs", "irq_allocs", "signals", "migrations_between_ops",
                 "injected", "errors", "irq_injected", "steals", "migrations_in_kernel",
                 "irqs_raised", "irqs_idle")


class HkTortureStats(ctypes.Structure):
    _fields_ = [(name, ctypes.c_long) for name in TORTURE_STATS]


OP_INIT, OP_ALLOC, OP_FREE, OP_FOR_EACH_FREE, OP_FREE_TAGS, OP_DESTROY = range(6)

FEAT_INIT_SIZES = 0x01
FEAT_FOR_EACH_FREE = 0x02
FEAT_FREE_TAGS = 0x04
FEAT_INTERRUPTIBLE = 0x08
FEAT_CACHE_BOUND = 0x10  # percpu_ida with sizes: no CPU caches more than max_size

DET_MAX_TASKS = 16
DET_MAX_EVENTS = 16
DET_MAX_OPS = 256
DET_MAX_CHOICES = 1 << 16
DET_MAX_TRACE = 1 << 16


class HkDetOp(ctypes.Structure):
    _fields_ = [("op", ctypes.c_int), ("a", ctypes.c_int), ("b", ctypes.c_int)]


class HkDetProg(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name in ("cpu", "first", "nr", "count")]


class HkDetScenario(ctypes.Structure):
    _fields_ = [
        ("nr_tags", ctypes.c_long),
        ("max_size", ctypes.c_long),
        ("batch_size", ctypes.c_long),
        ("nr_tasks", ctypes.c_int),
        ("nr_irqs", ctypes.c_int),
        ("nr_hotplug", ctypes.c_int),
        ("nr_ops", ctypes.c_int),
        ("tasks", HkDetProg * DET_MAX_TASKS),
        ("irqs", HkDetProg * DET_MAX_EVENTS),
        ("hotplug", (ctypes.c_int * 3) * DET_MAX_EVENTS),
        ("ops", HkDetOp * DET_MAX_OPS),
        ("driver", ctypes.c_int),
        ("max_retries", ctypes.c_int),
        ("spurious_wakeups", ctypes.c_int),
    ]


class DetScriptStep(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("target", ctypes.c_int),
        ("cpu", ctypes.c_int),
        ("until", ctypes.c_int),
        ("point", ctypes.c_int),
        ("nth", ctypes.c_int),
        ("nr_ranges", ctypes.c_int),
        ("ranges", ctypes.POINTER(ctypes.c_ulong)),
    ]


class HkDetConfig(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("pct_depth", ctypes.c_int),
        ("preemption_bound", ctypes.c_int),
        ("migrations", ctypes.c_int),
        ("trace", ctypes.c_int),
        ("nr_script", ctypes.c_int),
        ("memory", ctypes.c_int),
        ("reduce", ctypes.c_int),
        ("seed", ctypes.c_uint64),
        ("runs", ctypes.c_long),
        ("run_length", ctypes.c_long),
        ("max_steps", ctypes.c_long),
        ("nr_decisions", ctypes.c_long),
        ("decisions", ctypes.POINTER(ctypes.c_uint16)),
        ("script", ctypes.POINTER(DetScriptStep)),
    ]


class DetOutcome(ctypes.Structure):
    _fields_ = [
        ("verdict", ctypes.c_int),
        ("script_done", ctypes.c_int),
        ("steps", ctypes.c_long),
        ("nr_choices", ctypes.c_long),
        ("preemptions", ctypes.c_long),
        ("migrations", ctypes.c_long),
        ("irqs", ctypes.c_long),
        ("msg", ctypes.c_char * 2048),
    ]


class HkDetResult(ctypes.Structure):
    _fields_ = [
        ("o", DetOutcome),
        ("runs", ctypes.c_long),
        ("total_steps", ctypes.c_long),
        ("failing_run", ctypes.c_long),
        ("exhausted", ctypes.c_int),
        ("horizon", ctypes.c_int),
        ("distinct", ctypes.c_long),
        ("distinct_capped", ctypes.c_int),
        ("varied_from", ctypes.c_long),
        ("deepest", ctypes.c_long),
        ("resume", ctypes.c_long),
    ]


class DetTraceEnt(ctypes.Structure):
    _fields_ = [
        ("step", ctypes.c_uint32),
        ("cpu", ctypes.c_int16),
        ("fiber", ctypes.c_int16),
        ("point", ctypes.c_int16),
        ("who", ctypes.c_int16),
        ("value", ctypes.c_uint32),
        ("obj", ctypes.c_uint64),
        ("pc", ctypes.c_uint64),
    ]


_PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    "hk_boot": (ctypes.c_int, [ctypes.c_int]),
    "hk_shutdown": (None, []),
    "hk_kill": (None, []),
    "hk_kernel_dead": (ctypes.c_int, []),
    "hk_nr_cpus": (ctypes.c_int, []),
    "hk_cpu_online": (ctypes.c_int, [ctypes.c_int]),
    "hk_cpu_down": (ctypes.c_int, [ctypes.c_int]),
    "hk_cpu_up": (ctypes.c_int, [ctypes.c_int]),
    "hk_task_create": (ctypes.c_void_p, [ctypes.c_char_p]),
    "hk_task_pid": (ctypes.c_int, [ctypes.c_void_p]),
    "hk_task_state": (ctypes.c_long, [ctypes.c_void_p]),
    "hk_task_set_fail_nth": (None, [ctypes.c_void_p, ctypes.c_uint]),
    "hk_task_fail_nth": (ctypes.c_uint, [ctypes.c_void_p]),
    "hk_task_dump": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_longest_sleep_ms": (ctypes.c_long, []),
    "hk_image_base": (ctypes.c_ulong, []),
    "hk_mem_check_redzones": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_signal": (None, [ctypes.c_void_p, ctypes.c_int]),
    "hk_fault_write": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p]),
    "hk_fault_read": (ctypes.c_long, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
    "hk_task_make_it_fail": (None, [ctypes.c_void_p, ctypes.c_int]),
    "hk_fault_suspend": (None, [ctypes.c_int]),
    "hk_fault_reset": (None, []),
    "hk_report_count": (ctypes.c_int, []),
    "hk_report_get": (ctypes.c_int, [ctypes.c_int, ctypes.POINTER(HkReport)]),
    "hk_dmesg": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_set_console": (None, [ctypes.c_int]),
    "hk_set_lockup_timeout": (None, [ctypes.c_ulong]),
    "hk_mem_stats": (None, [ctypes.POINTER(HkMemStats)]),
    "hk_mem_leaks": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_trace_text": (None, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]),
    "hk_features": (ctypes.c_int, []),
    "hk_generation": (ctypes.c_int, []),
    "hk_pool_new": (ctypes.c_void_p, [ctypes.c_ulong]),
    "hk_pool_release": (None, [ctypes.c_void_p]),
    "hk_pool_wake_slack": (ctypes.c_long, [ctypes.c_void_p]),
    "hk_pool_op": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(HkPoolOp), c_long_p],
    ),
    "hk_selftest": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_long, c_long_p],
    ),
    "hk_selftest_log": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_torture_start": (ctypes.c_int, [ctypes.POINTER(HkTortureParams)]),
    "hk_torture_stats": (None, [ctypes.POINTER(HkTortureStats)]),
    "hk_torture_failed": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
    "hk_torture_stop": (ctypes.c_int, [ctypes.c_long]),
    "hk_torture_pause": (ctypes.c_int, [ctypes.POINTER(ctypes.c_int)]),
    "hk_torture_resume": (None, []),
    "hk_torture_progress": (ctypes.c_int, [c_long_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]),
    "hk_torture_owners": (None, [ctypes.POINTER(ctypes.c_int), ctypes.c_long]),
    "hk_set_delay": (None, [ctypes.c_uint, ctypes.c_uint]),
    "hk_set_spurious_wakeups": (None, [ctypes.c_uint]),
    "hk_preemptions": (ctypes.c_long, [ctypes.c_int]),
    "hk_set_preempt": (None, [ctypes.c_uint]),
    "hk_torture_last_stranded": (ctypes.c_long, []),
    "hk_sched_counts": (None, [c_long_p]),
    "hk_set_counting": (None, [ctypes.c_int]),
    "hk_trace_attach": (ctypes.c_int, [ctypes.c_char_p]),
    "hk_torture_history_attach": (ctypes.c_int, [ctypes.c_char_p]),
    "hk_bench_fastpath": (ctypes.c_double, [ctypes.c_void_p, ctypes.c_long]),
    "hk_bench_reference": (ctypes.c_double, [ctypes.c_long]),
    "hk_bench_run": (
        ctypes.c_int, [ctypes.POINTER(HkBenchParams), ctypes.POINTER(HkBenchResult)],
    ),
    "hk_bench_ticks_per_us": (ctypes.c_double, []),
    "hk_bench_steal": (
        ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_long,
                       ctypes.POINTER(ctypes.c_double)],
    ),
    "hk_det_fatal_reports": (None, [ctypes.c_int]),
    "hk_det_explore": (
        ctypes.c_int,
        [ctypes.POINTER(HkDetScenario), ctypes.POINTER(HkDetConfig), ctypes.POINTER(HkDetResult)],
    ),
    "hk_det_decisions": (
        None, [ctypes.POINTER(ctypes.c_uint16), ctypes.POINTER(ctypes.c_uint16), ctypes.c_long],
    ),
    "hk_det_prefix": (None, [ctypes.POINTER(ctypes.c_uint16), ctypes.c_long]),
    "hk_det_trace": (ctypes.c_long, [ctypes.POINTER(DetTraceEnt), ctypes.c_long]),
    "hk_det_helpers": (ctypes.c_int, [ctypes.POINTER(ctypes.c_ulong), ctypes.c_int]),
}

_tls_loaded: set[Path] = set()


def load(image: Path, tls_library: Path, keep_copy: bool = False) -> ctypes.CDLL:
    """Load a private copy of @image, so that its globals are its own.

    The copy's name goes at once (the mapping stays), unless @keep_copy: a
    sanitizer symbolizes its reports from the file, so then it goes at exit.
    """
    if tls_library not in _tls_loaded:
        ctypes.CDLL(str(tls_library), mode=ctypes.RTLD_GLOBAL)
        _tls_loaded.add(tls_library)
    fd, copy = tempfile.mkstemp(prefix=f"{image.stem}-", suffix=".so")
    os.close(fd)
    try:
        shutil.copyfile(image, copy)
        lib = ctypes.CDLL(copy, mode=ctypes.RTLD_LOCAL)
    finally:
        if keep_copy:
            atexit.register(os.unlink, copy)
        else:
            os.unlink(copy)
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def text(fn, size: int = 1 << 16) -> str:  # type: ignore[no-untyped-def]
    """Call a `size_t f(char *buf, size_t len)` export and decode what it wrote."""
    buf = ctypes.create_string_buffer(size)
    fn(buf, size)
    return buf.value.decode(errors="replace")
