"""Sanitized images: which runtime to preload, and the options that make a
report end the run (so a race or an overflow is a FAILURE, not a log line)."""

from __future__ import annotations

import os
import subprocess
from functools import cache

SANITIZERS = ("thread", "address", "undefined")
RUNTIME = {"thread": "libtsan.so", "address": "libasan.so"}
OPTIONS = {
    "thread": ("TSAN_OPTIONS", "halt_on_error=1:exitcode=66:second_deadlock_stack=1"),
    "address": ("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=0:exitcode=67"),
    "undefined": ("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=68"),
}


def current() -> str | None:
    """The sanitizer asked for with SAN=..., if any."""
    san = os.environ.get("SAN") or None
    if san is not None and san not in SANITIZERS:
        from torture.errors import InvalidArgument

        raise InvalidArgument(f"SAN={san}: use one of {', '.join(SANITIZERS)}")
    return san


@cache
def _runtime_path(lib: str) -> str:
    return subprocess.run(["gcc", f"-print-file-name={lib}"], capture_output=True,
                          text=True, check=True).stdout.strip()


def environment(san: str | None) -> dict[str, str]:
    """What a process that loads a @san image needs in its environment."""
    if not san:
        return {}
    env = dict([OPTIONS[san]])
    if san in RUNTIME:
        env["LD_PRELOAD"] = _runtime_path(RUNTIME[san])
    return env


def child_environment(san: str | None) -> dict[str, str]:
    """This process's environment for a child that loads a @san image (or a
    plain one): no sanitizer runtime or options inherited from here."""
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.endswith("SAN_OPTIONS")}
    if san:
        env["SAN"] = san
    else:
        env.pop("SAN", None)
    return {**env, **environment(san)}
