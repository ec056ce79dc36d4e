"""Shared fixtures: kernels that are always closed, and time-bounded threads."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from torture import images
from torture.errors import Unsupported
from torture.kernel import Kernel

ALLOCATORS = sorted(images.allocators())
# percpu_ida's own images: what its contract (steals, spills, sizes) binds
PERCPU_ALLOCATORS = sorted(images.percpu_allocators())
# a percpu_ida image: the drop-in's when there is one, else the port
DEFAULT_ALLOCATOR = (PERCPU_ALLOCATORS or ["percpu_ida"])[0] \
    if "percpu_ida" not in ALLOCATORS else "percpu_ida"

# hypothesis profiles: `ci` (the default in make test) and `thorough`
settings.register_profile("ci", max_examples=15, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, stateful_step_count=80,
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def make_kernel() -> Iterator[Callable[..., Kernel]]:
    """Boot kernels for a test; each is closed (and its sleepers woken) after."""
    made: list[Kernel] = []

    def boot(allocator: str = DEFAULT_ALLOCATOR, nr_cpus: int = 2) -> Kernel:
        k = Kernel(allocator, nr_cpus)
        made.append(k)
        return k

    yield boot
    for k in made:
        k.close()


@pytest.fixture(params=ALLOCATORS)
def allocator(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=PERCPU_ALLOCATORS)
def percpu_allocator(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Background:
    """A call on its own host thread, with a bounded wait for its outcome."""

    def __init__(self, fn: Callable[[], Any]):
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            self.error = e

    def done(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def outcome(self, timeout: float = 10.0) -> Any:
        assert self.done(timeout), f"call still blocked after {timeout} s"
        if self.error:
            raise self.error
        return self.result


@pytest.fixture
def background() -> Callable[[Callable[[], Any]], Background]:
    return Background


def wait_for_state(task: Any, state: int, seconds: float = 5.0) -> None:
    """Wait (bounded) until a task sleeps in @state."""
    deadline = time.monotonic() + seconds
    while task.state != state and time.monotonic() < deadline:
        time.sleep(0.001)
    assert task.state == state, f"task never reached state {state}"


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[object]:
    """What a drop-in's older API generation lacks is skipped, with the
    reason, not failed; a built-in allocator must have everything."""
    try:
        return (yield)
    except Unsupported as e:
        if not e.dropin:
            raise
        pytest.skip(f"API generation lacks it: {e}")


def assert_explore_found_nothing(proc: Any) -> None:
    """`python -m torture explore` ended without a failure: SUCCESS, or
    INCOMPLETE where a bounded search hit its cap before covering its bound
    (exit 3); either way it says so in its last line."""
    last = proc.stdout.rstrip().splitlines()[-1] if proc.stdout.strip() else ""
    assert (proc.returncode, last.split(":")[0]) in [(0, "SUCCESS"), (3, "INCOMPLETE")], \
        proc.stdout[-3000:] + proc.stderr
    assert "FAILURE" not in proc.stdout
