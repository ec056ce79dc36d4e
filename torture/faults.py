"""Fault specs: "failslab:probability=10,times=5", checked before they reach C.

The attach points and knobs mirror the kernel's debugfs fault-injection
files; shims/fault.c is the other side.
"""

from __future__ import annotations

from dataclasses import dataclass

from torture.errors import InvalidArgument
from torture.images import BASELINES

POINTS = ("failslab", "fail_page_alloc", "fail_percpu", "fail_function")
# the stack trace filter's code ranges: an address, or a function of the
# image (its first byte in a *-start knob, the byte after its end in *-end)
RANGES = ("require-start", "require-end", "reject-start", "reject-end")
COMMON = ("probability", "interval", "times", "space", "verbose", "task-filter", "seed",
          "stacktrace-depth", *RANGES)
KNOBS = {
    "failslab": (*COMMON, "ignore-gfp-wait"),
    "fail_page_alloc": (*COMMON, "ignore-gfp-wait"),
    "fail_percpu": (*COMMON, "ignore-gfp-wait"),
    "fail_function": (*COMMON, "inject", "retval"),
}
# the entry points the images wrap: percpu_ida's (and the posting's), and
# each baseline's alloc under its own name (images.ImageSpec.alloc_function)
FUNCTIONS = ("percpu_ida_alloc", "__percpu_ida_init", "percpu_ida_init", "percpu_tag_alloc",
             "percpu_tag_pool_init", *(spec.alloc_function for spec in BASELINES.values()))


@dataclass(frozen=True)
class FaultSpec:
    point: str
    knobs: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.point}:" + ",".join(f"{k}={v}" for k, v in self.knobs)


def _check(point: str, knob: str, value: str) -> None:
    if knob == "inject":
        if value not in FUNCTIONS:
            raise InvalidArgument(f"fail_function can inject {', '.join(FUNCTIONS)}, "
                                  f"not {value!r}")
        return
    if knob in RANGES and value.isidentifier():
        return  # a function: the kernel it is armed in knows where it lies
    try:
        number = int(value, 0)
    except ValueError:
        raise InvalidArgument(f"{point}/{knob}={value!r} is not an integer"
                              + (" or a function name" if knob in RANGES else "")) from None
    limits = {"probability": (0, 100), "interval": (1, None), "times": (-1, None),
              "space": (0, None), "retval": (-4095, 0), "stacktrace-depth": (0, 63),
              **{name: (0, None) for name in RANGES}}
    low, high = limits.get(knob, (None, None))
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise InvalidArgument(f"{point}/{knob}={number} out of range ({span})")


def parse(text: str) -> FaultSpec:
    """One spec: POINT:KNOB=VALUE,KNOB=VALUE..."""
    point, sep, rest = text.strip().partition(":")
    if point not in POINTS:
        raise InvalidArgument(f"unknown fault point {point!r}; use one of {', '.join(POINTS)}")
    knobs = []
    for item in filter(None, rest.split(",")) if sep else []:
        knob, eq, value = item.partition("=")
        knob, value = knob.strip(), value.strip()
        if not eq or not value:
            raise InvalidArgument(f"malformed fault knob {item!r} in {text!r}: use knob=value")
        if knob not in KNOBS[point]:
            raise InvalidArgument(f"unknown knob {knob!r} for {point}; "
                                  f"known: {', '.join(KNOBS[point])}")
        _check(point, knob, value)
        knobs.append((knob, value))
    return FaultSpec(point, tuple(knobs))


def parse_many(text: str) -> list[FaultSpec]:
    """Several specs separated by ';' (the torture flag --fault)."""
    return [parse(part) for part in text.split(";") if part.strip()]
