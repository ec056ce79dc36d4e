"""Everything spec/percpu_ida.md says an upstream lib/percpu_ida.c needs exists."""

from __future__ import annotations

import subprocess

from torture.images import ROOT

HEADERS = [
    "bitmap", "bitops", "bug", "err", "export", "hardirq", "idr", "init", "kernel", "mm",
    "percpu", "sched", "sched/signal", "slab", "spinlock", "spinlock_types", "string",
    "types", "wait", "cpumask", "gfp", "locallock",
]

USES = r"""
static spinlock_t l;
static cpumask_t m;
static wait_queue_head_t wq;
static gfp_t g = GFP_KERNEL | __GFP_WAIT;
struct s { int x; } ____cacheline_aligned_in_smp;
DEFINE_LOCAL_IRQ_LOCK(ll);

static int cb(unsigned int tag, void *data) { return 0; }

int use_everything(unsigned long *bm, unsigned int *p)
{
	unsigned long flags;
	unsigned int cpu, __percpu *pc = alloc_percpu(unsigned int);
	void __percpu *raw = __alloc_percpu(64, 8);
	unsigned long pages = __get_free_pages(GFP_KERNEL, get_order(8192));
	void *z = kzalloc(16, GFP_KERNEL);
	DEFINE_WAIT(wait);
	int r = 0;

	spin_lock_init(&l);
	init_waitqueue_head(&wq);
	local_irq_save(flags);
	spin_lock(&l);
	*this_cpu_ptr(pc) = smp_processor_id();
	spin_unlock(&l);
	local_irq_restore(flags);
	local_lock_irqsave(ll, flags);
	local_unlock_irqrestore(ll, flags);
	for_each_possible_cpu(cpu)
		*per_cpu_ptr(pc, cpu) = nr_cpu_ids;
	cpumask_set_cpu(0, &m);
	cpumask_clear_cpu(0, &m);
	r += cpumask_weight(&m) + cpumask_next(0, &m) + cpumask_first(&m);
	prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
	if (signal_pending_state(TASK_INTERRUPTIBLE, current))
		r = -ERESTARTSYS;
	if (r == 1)
		schedule();
	finish_wait(&wq, &wait);
	wake_up(&wq);
	memcpy(p, p + 1, 4);
	memset(p, 0, 4);
	r += min(1U, *p) + min_t(int, 2, 3) + cb(0, NULL);
	r += cmpxchg(p, 0U, 1U) + xchg(p, 2U);
	smp_mb(); smp_rmb(); smp_wmb(); cpu_relax();
	set_bit(1, bm); clear_bit(1, bm); r += test_and_set_bit(2, bm);
	r += bitmap_weight(bm, 64) + find_next_bit(bm, 64, 1) + find_first_bit(bm, 64);
	r += BITS_TO_LONGS(65);
	if (likely(r > INT_MAX) || unlikely(r == (int)UINT_MAX))
		pr_err("%d %d %d %d\n", ENOSPC, ENOMEM, EINVAL, ERANGE);
	WARN_ON(r == -1);
	BUG_ON(r == -2);
	if (r == -3)
		BUG();
	r += TASK_RUNNING + (g != 0) + (bool)true;
	kfree(z);
	free_pages(pages, get_order(8192));
	free_percpu(raw);
	free_percpu(pc);
	return r;
}
EXPORT_SYMBOL_GPL(use_everything);
"""


def test_every_needed_name_compiles(tmp_path):
    src = tmp_path / "uses.c"
    src.write_text("".join(f"#include <linux/{h}.h>\n" for h in HEADERS)
                   + "#include <asm/cmpxchg.h>\n" + USES)
    proc = subprocess.run(
        ["gcc", "-std=gnu11", "-fsyntax-only", "-Wall", "-Werror", "-Wno-unused-variable",
         "-Wno-unused-function", f"-I{ROOT / 'shims/include'}", str(src)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_task_state_constants_match_the_kernel():
    header = (ROOT / "shims/include/linux/sched.h").read_text()
    for name, value in (("TASK_RUNNING", "0x0000"), ("TASK_INTERRUPTIBLE", "0x0001"),
                        ("TASK_UNINTERRUPTIBLE", "0x0002")):
        assert f"#define {name}\t" in header and value in header
    assert "#define ERESTARTSYS\t\t512" in (ROOT / "shims/include/linux/errno.h").read_text()
