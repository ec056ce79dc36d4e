"""Bad input gets a named error, never a hang or a dead process."""

from __future__ import annotations

import pytest

from torture import InvalidArgument, Kernel, KernelBug, KernelDead
from torture.errors import UnknownAllocator


def test_unknown_allocator():
    with pytest.raises(UnknownAllocator, match="unknown allocator 'nope'.*percpu_ida"):
        Kernel("nope", 2)


@pytest.mark.parametrize("n", [0, -1, 65, 1000])
def test_nr_cpus_out_of_range(n):
    with pytest.raises(InvalidArgument, match=f"nr_cpus={n} out of range"):
        Kernel("percpu_ida", n)


def test_nr_cpus_not_an_integer():
    with pytest.raises(InvalidArgument, match="integer"):
        Kernel("percpu_ida", "2")  # type: ignore[arg-type]


def test_cpu_id_out_of_range(make_kernel):
    k = make_kernel(nr_cpus=2)
    pool = k.pool(16, 8, 4)
    for cpu in (-1, 2, 99):
        with pytest.raises(InvalidArgument, match=f"CPU id {cpu} out of range"):
            pool.alloc(cpu=cpu)
    with pytest.raises(InvalidArgument, match="CPU id 2 out of range"):
        k.cpu_down(2)


def test_cpu_offline(make_kernel):
    k = make_kernel(nr_cpus=2)
    pool = k.pool(16, 8, 4)
    k.cpu_down(1)
    with pytest.raises(InvalidArgument, match="CPU 1 is offline"):
        pool.alloc(cpu=1)
    with pytest.raises(InvalidArgument, match="CPU 1 is offline"):
        pool.free(0, cpu=1, check=False)
    with pytest.raises(InvalidArgument, match="last one online"):
        k.cpu_down(0)
    with pytest.raises(InvalidArgument, match="CPU 1 is offline"):
        k.cpu_down(1)
    k.cpu_up(1)
    with pytest.raises(InvalidArgument, match="already online"):
        k.cpu_up(1)


def test_destroyed_pool(make_kernel):
    k = make_kernel()
    pool = k.pool(16, 8, 4)
    pool.destroy()
    for call in (lambda: pool.alloc(), lambda: pool.free(0), pool.for_each_free, pool.destroy):
        with pytest.raises(InvalidArgument, match="pool was destroyed"):
            call()
    assert k.mem().outstanding == 0


def test_dead_kernel(make_kernel):
    k = make_kernel()
    pool = k.pool(16, 8, 4)
    with pytest.raises(KernelBug):
        pool.free(16, check=False)
    with pytest.raises(KernelDead, match="dead.*BUG_ON"):
        pool.alloc()
    with pytest.raises(KernelDead):
        k.cpu_down(1)
    with pytest.raises(KernelDead):
        k.pool(4)


def test_closed_kernel(make_kernel):
    k = make_kernel()
    k.close()
    with pytest.raises(KernelDead, match="closed"):
        k.pool(4)


@pytest.mark.parametrize("max_size,batch", [(0, 1), (4, 0), (4, 8)])
def test_bad_sizes(make_kernel, max_size, batch):
    with pytest.raises(InvalidArgument, match="batch_size <= max_size"):
        make_kernel().pool(16, max_size, batch)


def test_bad_tags(make_kernel):
    k = make_kernel()
    pool = k.pool(16, 8, 4)
    with pytest.raises(InvalidArgument, match="negative"):
        k.pool(-1)
    with pytest.raises(InvalidArgument, match="tag -1 is negative"):
        pool.free(-1)
    with pytest.raises(InvalidArgument, match="integer"):
        pool.free("3")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="unknown task state"):
        pool.alloc(state=7)
    assert not k.reports()


def test_ownership_ledger_catches_a_free_of_an_unowned_tag(make_kernel):
    from torture import OwnershipError

    k = make_kernel()
    pool = k.pool(16, 8, 4)
    tag = pool.alloc()
    pool.free(tag)
    with pytest.raises(OwnershipError, match=f"free of tag {tag}, which nobody holds"):
        pool.free(tag)


def test_unknown_selftest(make_kernel):
    with pytest.raises(InvalidArgument, match="no such selftest"):
        make_kernel().selftest("nope")


def test_zero_tags_is_enomem_with_the_kernels_warning(make_kernel):
    from torture import NoTags, OutOfMemory, generation

    k = make_kernel()
    if k.spec.gen.number == generation.POSTING:
        # its free tags are a bitmap tree, not pages: an empty pool is a pool
        with pytest.raises(NoTags):
            k.pool(0).alloc()
        assert not k.reports()
        return
    with pytest.raises(OutOfMemory):
        k.pool(0)
    assert any("page allocation of order" in r.message for r in k.reports())
    assert k.mem().outstanding == 0


def test_destroy_with_tags_outstanding_is_refused(make_kernel):
    from torture import OwnershipError

    k = make_kernel()
    pool = k.pool(16, 8, 4)
    tag = pool.alloc()
    with pytest.raises(OwnershipError, match="destroy with 1 tags outstanding"):
        pool.destroy()
    pool.free(tag)  # nothing was lost: the pool still works
    pool.destroy()
    assert k.mem().outstanding == 0
