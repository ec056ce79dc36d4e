"""Every error the harness raises: one class per thing that went wrong."""

from __future__ import annotations

from dataclasses import dataclass


class HarnessError(Exception):
    """Base of every error raised by the harness."""


class InvalidArgument(HarnessError, ValueError):
    """A bad argument: caught before it reaches the kernel, or -EINVAL from it."""


class UnknownAllocator(InvalidArgument):
    """No allocator image by that name."""


class BuildError(HarnessError):
    """An image did not build; the message carries the compiler's output."""


class MissingSymbols(BuildError):
    """The allocator calls kernel functions the shims do not provide."""


class GenerationError(BuildError):
    """The API generation of a drop-in source could not be recognised."""


class Unsupported(HarnessError):
    """The allocator's API generation lacks what was asked for.  Only a
    drop-in (a user's file of an older generation) may: @dropin says
    whether this one is."""

    def __init__(self, message: str, dropin: bool = True):
        super().__init__(message)
        self.dropin = dropin


class NoTags(HarnessError):
    """-ENOSPC: no tag could be had without sleeping."""


class Interrupted(HarnessError):
    """-ERESTARTSYS: an interruptible wait saw a signal."""


class OutOfMemory(HarnessError):
    """-ENOMEM."""


class OwnershipError(HarnessError):
    """A tag handed out twice, or freed by someone who does not hold it."""


class IteratorError(HarnessError):
    """for_each_free() returned what its callback did not ask it to."""


class KernelDead(HarnessError):
    """The kernel instance died (a BUG) and takes no more calls."""


@dataclass
class Report:
    """A BUG, WARNING or LOCKDEP splat, as the kernel printed it."""

    kind: str
    message: str
    task: str
    pid: int
    cpu: int
    site: str
    function: str
    trace: str

    def __str__(self) -> str:
        return (
            f"{self.kind}: {self.message}\n  at {self.site} in {self.function}()\n"
            f"  task {self.task}/{self.pid} on CPU {self.cpu}\n"
            f"  recent trace:\n{self.trace}"
        )


class KernelBug(HarnessError):
    """The call hit a BUG: the kernel instance is dead, the report says why."""

    def __init__(self, report: Report | None):
        self.report = report
        super().__init__(str(report) if report else "kernel BUG (no report recorded)")
