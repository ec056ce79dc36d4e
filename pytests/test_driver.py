"""The tagblk driver under injected allocation failures: no request lost,
none completed twice, no tag leaked, every failed request ended with its error."""

from __future__ import annotations

import errno

import pytest

from torture.tagblk import DriverResult, Tagblk

DEPTH, REQUESTS = 8, 3000


def check(result: DriverResult, depth: int, injected: int | None) -> None:
    assert not result.timed_out, "requests were still outstanding"
    lost = [i for i, n in enumerate(result.ends) if n == 0]
    twice = [i for i, n in enumerate(result.ends) if n > 1]
    assert not lost, f"requests never ended: {lost[:10]}"
    assert not twice, f"requests ended twice: {twice[:10]}"
    for i, status in enumerate(result.status):
        if status == -errno.EBUSY:
            assert result.atomic[i], "only the timer path gives up with -EBUSY"
        elif status:
            assert status == injected and not result.atomic[i], (i, status)
    assert result.free_tags == depth, "a tag leaked"
    assert result.completed + result.failed == len(result.ends)
    assert result.failed == sum(1 for s in result.status if s)


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_driver_without_faults(make_kernel, allocator):
    k = make_kernel(allocator, nr_cpus=3)
    dev = Tagblk(k, DEPTH, 1000, REQUESTS)
    result = dev.run(seed=1)
    check(result, DEPTH, None)
    assert result.failed == 0 and result.issued == REQUESTS
    dev.exit()
    assert k.mem().outstanding == 0 and not k.reports()


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_driver_under_allocation_failures(make_kernel, allocator):
    k = make_kernel(allocator, nr_cpus=3)
    dev = Tagblk(k, DEPTH, 2, REQUESTS)
    k.inject("fail_function:inject=percpu_ida_alloc,retval=-12,probability=30,times=-1,seed=5")
    result = dev.run(seed=2)
    check(result, DEPTH, -errno.ENOMEM)
    assert result.requeued > 0  # the error paths ran: requeue, -EBUSY, -ENOMEM
    assert any(s == -errno.EBUSY for s in result.status)
    assert any(s == -errno.ENOMEM for s in result.status)
    k.fault_write("fail_function/probability", 0)
    dev.exit()
    assert k.mem().outstanding == 0 and not k.reports()


def test_driver_init_fails_cleanly(make_kernel):
    from torture.errors import HarnessError

    k = make_kernel()
    k.inject("failslab:probability=100,times=1")
    with pytest.raises(HarnessError, match="tagblk_init failed: -12"):
        Tagblk(k, DEPTH, 2, 10)
    assert k.mem().outstanding == 0
