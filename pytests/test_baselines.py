"""What each baseline promises beyond the shared contract (test_percpu_ida.py):
the 2013 ida interface, lowest-first tags, the magazines' depot and steal,
sbitmap's batched wakeups, and where each needs memory on the tag path."""

from __future__ import annotations

import pytest
from conftest import wait_for_state

from torture import OutOfMemory
from torture.kernel import TASK_UNINTERRUPTIBLE

IDA_IMAGES = ["ida_tags", "ida_mag"]  # both link lib/ida.c and lib/test_ida.c


@pytest.mark.parametrize("allocator", IDA_IMAGES)
def test_the_ida_keeps_its_2013_contract(make_kernel, allocator):
    """lib/test_ida.c: lowest free id at or above the start, -EAGAIN before
    ida_pre_get(), full leaves skipped and reopened, growth up to INT_MAX."""
    k = make_kernel(allocator)
    assert k.selftest("test_ida") == 0, k.dmesg()
    assert not k.reports()
    assert k.mem().outstanding == 0, k.leaks()


def test_removing_an_id_never_given_out_is_a_warning(make_kernel):
    """Before the tree exists, a clear bit, a missing leaf, beyond the tree, a
    negative id."""
    k = make_kernel("ida_tags")
    assert k.selftest("test_ida", arg=1) == 0
    ids = [int(r.message.split("id=")[1].split()[0]) for r in k.reports()]
    assert ids == [0, 3, 5000, 70000, -1]
    assert all("which is not allocated" in r.message for r in k.reports())


def test_ida_tags_hands_out_the_lowest_free_tag(make_kernel):
    k = make_kernel("ida_tags")
    pool = k.pool(5000)  # five leaves of the ida's tree
    tags = [pool.alloc(cpu=i % 2) for i in range(5000)]
    assert tags == list(range(5000))
    for tag in (4321, 7, 1030):
        pool.free(tag, cpu=1)
    assert [pool.alloc(cpu=0) for _ in range(3)] == [7, 1030, 4321]
    for tag in tags:
        pool.free(tag, cpu=0)
    pool.destroy()
    assert k.mem().outstanding == 0, k.leaks()


@pytest.mark.parametrize("allocator,needs_memory", [
    ("ida_tags", True),      # the ida's stock runs low: an irq-time alloc fails
    ("ida_mag", True),       # the same, below the magazines
    ("percpu_ida", False),   # every tag's slot exists from init
    ("sbitmap_tags", False),
    ("tag_freelist", False),
])
def test_which_allocators_need_memory_to_hand_out_a_tag(make_kernel, allocator, needs_memory):
    """The review's question: what does a driver do when an irq-time allocation
    fails?  With every slab allocation failing, the second tag from an ida
    needs new nodes; the others never allocate on the tag path."""
    k = make_kernel(allocator)
    pool = k.pool(64)
    pool.alloc(cpu=0, irq=True)  # the first uses what init stocked
    k.inject("failslab:probability=100,times=-1")
    if needs_memory:
        with pytest.raises(OutOfMemory):
            pool.alloc(cpu=0, irq=True)
    else:
        pool.alloc(cpu=0, irq=True)
    assert not k.reports()


@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1", "ida_tags", "ida_mag",
                                       "tag_freelist"])
def test_every_other_allocator_wakes_a_sleeper_whenever_a_tag_is_free(make_kernel, allocator):
    assert make_kernel(allocator).pool(64).wake_slack() == 0


def test_magazines_trade_through_the_depot(make_kernel):
    k = make_kernel("ida_mag")
    pool = k.pool(256, None, 4)  # four tags a magazine
    tags = [pool.alloc(cpu=0) for _ in range(12)]
    for tag in tags:
        pool.free(tag, cpu=0)
    # loaded and previous full (8); the 9th free sent a full magazine to the depot
    assert pool.free_tags(0) == 8
    assert pool.free_tags(k.nr_cpus) == 4 + 256 - 12
    pool.alloc(cpu=1)  # cpu 1 has nothing: it takes the depot's full magazine
    assert pool.free_tags(1) == 3
    assert pool.free_tags(k.nr_cpus) == 256 - 12
    pool.check_conservation()


def test_frees_past_the_depots_empty_magazines_go_to_the_ida(make_kernel):
    """2 CPUs: 8 magazines of 4, two on each CPU, four empty in the depot."""
    k = make_kernel("ida_mag")
    pool = k.pool(256, None, 4)
    tags = [pool.alloc(cpu=1) for _ in range(40)]
    for tag in tags:
        pool.free(tag, cpu=0)
    assert pool.free_tags(0) == 8
    assert pool.free_tags(k.nr_cpus) == 256 - 8  # 4 full magazines + the ida
    every = pool.for_each_free()
    for stop in (12, 30):  # in the depot, in the ida
        assert pool.for_each_free(stop_after=stop) == every[:stop]
    pool.check_conservation()


def test_a_thief_empties_another_cpus_magazines(make_kernel):
    k = make_kernel("ida_mag")
    pool = k.pool(8, None, 4)
    tags = [pool.alloc(cpu=1) for _ in range(8)]
    for tag in tags[:5]:
        pool.free(tag, cpu=1)
    assert pool.free_tags(1) == 5 and pool.free_tags(k.nr_cpus) == 0
    assert pool.alloc(cpu=0) in tags[:5]
    assert pool.free_tags(1) == 0, "a thief takes both magazines back to the ida"
    assert pool.free_tags(k.nr_cpus) == 4
    pool.check_conservation()


def test_sbitmap_wakes_sleepers_a_batch_of_frees_at_a_time(make_kernel, background):
    """64 tags: wake_batch is 64 / 8 queues = 8.  A sleeper stays asleep with
    seven tags free, and is woken by the eighth free."""
    k = make_kernel("sbitmap_tags")
    pool = k.pool(64)
    assert pool.wake_slack() == 7  # what the torture run's lost-wakeup check allows
    tags = [pool.alloc(cpu=i % 2) for i in range(64)]
    sleeper = k.task("sleeper")
    bg = background(lambda: pool.alloc(cpu=0, state=TASK_UNINTERRUPTIBLE, task=sleeper))
    wait_for_state(sleeper, TASK_UNINTERRUPTIBLE)
    for tag in tags[:7]:
        pool.free(tag, cpu=1)
    assert k.wakeups() == 0, "woken before a batch of frees"
    assert pool.free_tags(k.nr_cpus) == 7
    pool.free(tags[7], cpu=1)
    assert bg.outcome() in tags[:8]
    assert not k.reports()
