"""`python -m torture explore` runs its plan in a child process, so that a
fault the engine cannot turn into a verdict (a corrupted heap, a crash
outside a fiber) or a hang in the C under test is a FAILURE here, with the
signal, the C backtrace and the decisions that replay it.  Python never dies
with the kernel."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from torture import images, replay, shrink, symbols
from torture.explore import CHILD

SCENARIO_LINE = re.compile(r"^--- scenario (\S+) memory (\d)$")


def run(argv: list[str], allocator: str, hang_timeout: float, migrations: int = 1,
        emit: Callable[[str], None] = print) -> int:
    """Run `python -m torture ARGV` with the plan in a child; its exit status."""
    spec = images.lookup(allocator)
    image = images.build(spec)  # here: a build is neither a hang nor the child's to report
    env = {**os.environ, CHILD: "1", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "torture", *argv], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(child.stdout, selectors.EVENT_READ)
    scenario, memory = "standard", False
    fatal: list[str] = []
    hung = False
    while True:
        if not sel.select(hang_timeout):
            hung = True  # no word for hang_timeout: make it say where it is
            child.send_signal(signal.SIGABRT)
            sel.select(10)
        line = child.stdout.readline()
        if not line:
            break
        line = line.rstrip("\n")
        found = SCENARIO_LINE.match(line)
        if found:
            scenario, memory = found.group(1), found.group(2) == "1"
        elif line.startswith("det-fatal:") or (fatal and not fatal[-1].endswith(" end")):
            fatal.append(line)
        elif line.startswith("error: "):
            print(line, file=sys.stderr, flush=True)
        elif line:
            emit(line)
    try:
        rc = child.wait(10)
    except subprocess.TimeoutExpired:
        child.kill()
        rc = child.wait()
    if rc >= 0 and not hung:
        return rc
    fatal = [_symbolize(line, spec.name, image) for line in fatal]
    emit(_failure(rc, hung, hang_timeout, fatal, allocator, scenario, memory, migrations,
                  symbols.build_id(image)))
    return 1


def _symbolize(line: str, name: str, image: Path) -> str:
    """A backtrace frame in the image (a private copy of it: same offsets),
    with its function's name."""
    if f"/{name}" not in line:
        return line
    return symbols.name_offsets(image, line, r"\(\+(0x[0-9a-f]+)\)")


def _failure(rc: int, hung: bool, hang_timeout: float, fatal: list[str], allocator: str,
             scenario: str, memory: bool, migrations: int, image: str) -> str:
    how = signal.Signals(-rc).name if rc < 0 else f"exit {rc}"
    what = (f"hang: no progress for {hang_timeout:.0f} s in scenario {scenario}; "
            f"stopped with SIGABRT" if hung else
            f"crash: the kernel process was killed by {how} in scenario {scenario}")
    listed = next((line.split("decisions", 1)[1].strip() for line in fatal
                   if line.startswith("det-fatal: decisions")), "")
    decisions = [int(d) for d in listed.split(",") if d.strip().isdigit()]
    # a crash ends the run: the choices made are all there are
    recorded = replay.Recording(scenario, memory, migrations, image, len(decisions),
                                shrink.trimmed(decisions))
    trace = [line for line in fatal if not line.startswith("det-fatal:")]
    lines = [f"FAILURE: {what}", "  C backtrace:"] + [f"    {f}" for f in trace or ["(none)"]]
    lines.append(f"replay: {recorded.command(allocator)}")
    return "\n".join(lines)
