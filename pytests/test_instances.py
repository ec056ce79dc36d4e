"""Kernels are independent: each Kernel has its own image copy and globals."""

from __future__ import annotations

import pytest

from torture import Kernel, KernelBug


def test_two_kernels_are_independent():
    with Kernel("percpu_ida", 2) as a, Kernel("percpu_ida", 3) as b:
        pa, pb = a.pool(8, 8, 4), b.pool(8, 8, 4)
        assert sorted(pa.alloc(cpu=0) for _ in range(8)) == list(range(8))
        assert pb.alloc(cpu=2) in range(8)  # b's pool untouched by a's
        a.cpu_down(1)
        assert b.online(1) and not a.online(1)
        assert a.nr_cpus == 2 and b.nr_cpus == 3
        a.selftest("leak", arg=10)
        assert b.mem().slab_objs == 0


def test_a_bug_in_one_kernel_leaves_the_other_alive():
    with Kernel("percpu_ida", 2) as a, Kernel("percpu_ida_v1", 2) as b:
        pool = b.pool(8, 8, 4)
        with pytest.raises(KernelBug):
            a.selftest("bug_on", arg=42)
        assert a.dead and not b.dead
        pool.free(pool.alloc())
