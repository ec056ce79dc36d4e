"""Kernel lib/ code in a process: percpu_ida driven, tortured and measured."""

from torture.errors import (
    BuildError,
    HarnessError,
    Interrupted,
    InvalidArgument,
    KernelBug,
    KernelDead,
    NoTags,
    OutOfMemory,
    OwnershipError,
    Unsupported,
)
from torture.kernel import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, Kernel, Pool

__all__ = [
    "BuildError",
    "HarnessError",
    "Interrupted",
    "InvalidArgument",
    "Kernel",
    "KernelBug",
    "KernelDead",
    "NoTags",
    "OutOfMemory",
    "OwnershipError",
    "Pool",
    "TASK_INTERRUPTIBLE",
    "TASK_RUNNING",
    "TASK_UNINTERRUPTIBLE",
    "Unsupported",
]
