// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel code for the shims' own tests: small functions, in kernel style,
 * that exercise one primitive or break one rule on purpose, so a test can
 * show that the machine model and each debug check behave as the kernel's.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitmap-tree.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <string.h>
#include <stdio.h>
#include "harness.h"

static DEFINE_SPINLOCK(st_lock_a);
static DEFINE_SPINLOCK(st_lock_b);
static DEFINE_SPINLOCK(st_lock_irq);
static DECLARE_WAIT_QUEUE_HEAD(st_wq);
static atomic_t st_cond;
static char st_log[4096];
static size_t st_log_len;
static DEFINE_SPINLOCK(st_log_lock);

static void st_logf(const char *fmt, ...) __printf(1, 2);

static void st_logf(const char *fmt, ...)
{
	unsigned long flags;
	va_list ap;

	spin_lock_irqsave(&st_log_lock, flags);
	va_start(ap, fmt);
	st_log_len += vsnprintf(st_log + st_log_len, sizeof(st_log) - st_log_len,
				fmt, ap);
	va_end(ap);
	spin_unlock_irqrestore(&st_log_lock, flags);
}

/* A wake between prepare_to_wait() and schedule() must not be lost. */
static long st_wake_before_schedule(long arg)
{
	DEFINE_WAIT(wait);

	prepare_to_wait(&st_wq, &wait, TASK_UNINTERRUPTIBLE);
	wake_up(&st_wq);
	if (READ_ONCE(current->state) != TASK_RUNNING)
		return -1;
	if (!list_empty(&wait.entry))
		return -2;	/* autoremove should have taken us off */
	schedule();		/* must return at once */
	finish_wait(&st_wq, &wait);
	return 0;
}

/* Sleep until st_cond is set; with @arg, interruptibly. */
static long st_wait_cond(long arg)
{
	int state = arg ? TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE;
	DEFINE_WAIT(wait);
	long ret = 0;

	for (;;) {
		prepare_to_wait(&st_wq, &wait, state);
		if (atomic_read(&st_cond))
			break;
		if (signal_pending_state(state, current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	finish_wait(&st_wq, &wait);
	return ret ? ret : raw_smp_processor_id();
}

static long st_set_cond(long arg)
{
	atomic_set(&st_cond, arg);
	return wake_up_nr(&st_wq, 64);
}

/* An exclusive waiter: only as many return as wakeups are sent. */
static long st_wait_exclusive(long arg)
{
	DEFINE_WAIT(wait);

	prepare_to_wait_exclusive(&st_wq, &wait, TASK_UNINTERRUPTIBLE);
	if (!atomic_read(&st_cond))
		schedule();
	finish_wait(&st_wq, &wait);
	return 0;
}

/* Set the condition, then wake @arg exclusive waiters (wake_up for 1). */
static long st_wake_nr(long arg)
{
	atomic_set(&st_cond, 1);
	return arg == 1 ? wake_up(&st_wq) : wake_up_nr(&st_wq, arg);
}

/* Per-cpu copies are distinct, cacheline aligned, and this_cpu_ptr agrees. */
static long st_percpu(long arg)
{
	struct st_pcpu { long val; } __percpu *p = alloc_percpu(struct st_pcpu);
	unsigned long flags;
	unsigned int cpu;
	long ret = 0;

	if (!p)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(p, cpu)->val = cpu * 10 + 1;
	for_each_possible_cpu(cpu) {
		unsigned int other;

		if ((unsigned long)per_cpu_ptr(p, cpu) % SMP_CACHE_BYTES)
			ret = -1;
		if (per_cpu_ptr(p, cpu)->val != cpu * 10 + 1)
			ret = -2;
		for_each_possible_cpu(other)
			if (other != cpu && per_cpu_ptr(p, cpu) == per_cpu_ptr(p, other))
				ret = -3;
	}
	local_irq_save(flags);
	if (this_cpu_ptr(p) != per_cpu_ptr(p, smp_processor_id()))
		ret = -4;
	local_irq_restore(flags);
	free_percpu(p);
	return ret;
}

/* Dereferencing a __percpu pointer without per_cpu_ptr() faults. */
static long st_percpu_raw_deref(long arg)
{
	int __percpu *p = alloc_percpu(int);
	long v = *(volatile int *)p;

	free_percpu(p);
	return v;
}

static long st_leak(long arg)
{
	return kmalloc(arg, GFP_KERNEL) ? 0 : -ENOMEM;
}

static long st_vmalloc_leak(long arg)
{
	return vmalloc(arg) ? 0 : -ENOMEM;
}

/*
 * One byte past a kmalloc object (@arg 1: then free it), a per-cpu
 * object (2), a page (3).
 */
static unsigned char *st_overflowed;

static long st_overflow(long arg)
{
	if (arg == 2) {
		unsigned char __percpu *p = __alloc_percpu(24, 8);

		if (!p)
			return -ENOMEM;
		per_cpu_ptr(p, 1)[24] = 0;
		return 0;
	}
	if (arg == 3) {
		unsigned char *page = (unsigned char *)__get_free_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		page[PAGE_SIZE] = 0;
		return 0;
	}
	st_overflowed = kmalloc(24, GFP_KERNEL);
	if (!st_overflowed)
		return -ENOMEM;
	st_overflowed[24] = 0;
	if (arg == 1)
		kfree(st_overflowed);
	return 0;
}

static long st_lock_aa(long arg)
{
	spin_lock(&st_lock_a);
	spin_lock(&st_lock_a);
	spin_unlock(&st_lock_a);
	spin_unlock(&st_lock_a);
	return 0;
}

/* With @arg 0 take A then B, with @arg 1 take B then A. */
static long st_lock_order(long arg)
{
	spinlock_t *first = arg ? &st_lock_b : &st_lock_a;
	spinlock_t *second = arg ? &st_lock_a : &st_lock_b;

	spin_lock(first);
	spin_lock(second);
	spin_unlock(second);
	spin_unlock(first);
	return 0;
}

/*
 * Two locks from one init site are one class; nesting them is reported unless
 * one is given a class of its own (@arg 1) or taken as a subclass (@arg 2).
 */
struct st_node {
	spinlock_t lock;
};

static void st_node_init(struct st_node *n)
{
	spin_lock_init(&n->lock);
}

static long st_lock_class(long arg)
{
	static struct lock_class_key child_key;
	struct st_node parent, child;

	st_node_init(&parent);
	st_node_init(&child);
	if (arg == 1)
		lockdep_set_class(&child.lock, &child_key);
	spin_lock(&parent.lock);
	if (arg == 2)
		spin_lock_nested(&child.lock, SINGLE_DEPTH_NESTING);
	else
		spin_lock(&child.lock);
	spin_unlock(&child.lock);
	spin_unlock(&parent.lock);
	return 0;
}

/* Hold st_lock_a until st_cond is 5 (st_cond 4 says it is held). */
static long st_hold_lock_a(long arg)
{
	spin_lock(&st_lock_a);
	atomic_set(&st_cond, 4);
	while (atomic_read(&st_cond) != 5)
		cpu_relax();
	spin_unlock(&st_lock_a);
	return 0;
}

/* lockdep_assert_held() on st_lock_a: by the holder (@arg 1) or not. */
static long st_assert_held(long arg)
{
	if (arg) {
		spin_lock(&st_lock_a);
		lockdep_assert_held(&st_lock_a);
		spin_unlock(&st_lock_a);
	} else {
		lockdep_assert_held(&st_lock_a);
	}
	return 0;
}

/* st_lock_irq, hardirq-safe once an irq took it, held while st_lock_b is taken. */
static long st_lock_irq_then_b(long arg)
{
	unsigned long flags;

	spin_lock_irqsave(&st_lock_irq, flags);
	spin_lock(&st_lock_b);
	spin_unlock(&st_lock_b);
	spin_unlock_irqrestore(&st_lock_irq, flags);
	return 0;
}

/* Take the irq lock the way the caller's context allows: irqs as they are. */
static long st_lock_irq_ctx(long arg)
{
	spin_lock(&st_lock_irq);
	spin_unlock(&st_lock_irq);
	return 0;
}

static long st_lock_irqsave(long arg)
{
	unsigned long flags;

	spin_lock_irqsave(&st_lock_irq, flags);
	spin_unlock_irqrestore(&st_lock_irq, flags);
	return 0;
}

static long st_sleep_in_atomic(long arg)
{
	spin_lock(&st_lock_a);
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule();
	spin_unlock(&st_lock_a);
	return 0;
}

static long st_sleep_irqs_off(long arg)
{
	local_irq_disable();
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule();
	local_irq_enable();
	return 0;
}

static long st_kmalloc_atomic(long arg)
{
	void *p;

	spin_lock(&st_lock_a);
	p = kmalloc(16, GFP_KERNEL);
	spin_unlock(&st_lock_a);
	kfree(p);
	return 0;
}

static long st_smp_id_preemptible(long arg)
{
	return smp_processor_id();
}

static long st_bad_magic(long arg)
{
	spinlock_t *lock = kzalloc(sizeof(*lock), GFP_KERNEL);

	if (!lock)
		return -ENOMEM;
	spin_lock(lock);
	spin_unlock(lock);
	kfree(lock);
	return 0;
}

static long st_return_locked(long arg)
{
	spin_lock(&st_lock_b);
	return 0;
}

static long st_double_kfree(long arg)
{
	void *p = kmalloc(8, GFP_KERNEL);

	kfree(p);
	kfree(p);
	return 0;
}

static long st_bug_on(long arg)
{
	BUG_ON(arg == 42);
	return 0;
}

static long st_fail_nth(long arg)
{
	void *a = kmalloc(8, GFP_KERNEL);
	void *b = kmalloc(8, GFP_KERNEL);
	long ret = (a ? 1 : 0) | (b ? 2 : 0);

	kfree(a);
	kfree(b);
	return ret;
}

/*
 * Hotplug order: two PREPARE/DEAD states, a STARTING/DYING state, two ONLINE
 * states and two notifiers.  Callbacks on the CPU itself log where they ran
 * ("@cpu", and "!" with irqs off); st_hp_fail makes one of them say no.
 */
enum {
	HP_OK,
	HP_VETO_DOWN,		/* the second notifier vetoes CPU_DOWN_PREPARE */
	HP_VETO_UP,		/* ... CPU_UP_PREPARE */
	HP_FAIL_PREP2_UP,	/* the second PREPARE state fails with -ENOMEM */
	HP_FAIL_AP2_UP,		/* the second ONLINE state fails coming up */
	HP_FAIL_AP1_DOWN,	/* the first ONLINE state refuses to go down */
};
static long st_hp_fail;

static void st_hp_log_here(const char *what, unsigned int cpu)
{
	st_logf("%s:%u@%d%s ", what, cpu, smp_processor_id(),
		irqs_disabled() ? "!" : "");
}

static int st_hp_prep_up(unsigned int cpu) { st_logf("prep:up:%u ", cpu); return 0; }
static int st_hp_prep_down(unsigned int cpu) { st_logf("prep:down:%u ", cpu); return 0; }

static int st_hp_prep2_up(unsigned int cpu)
{
	st_logf("prep2:up:%u ", cpu);
	return st_hp_fail == HP_FAIL_PREP2_UP ? -ENOMEM : 0;
}

static int st_hp_prep2_down(unsigned int cpu) { st_logf("prep2:down:%u ", cpu); return 0; }
static int st_hp_starting_up(unsigned int cpu) { st_hp_log_here("starting:up", cpu); return 0; }
static int st_hp_starting_down(unsigned int cpu) { st_hp_log_here("starting:down", cpu); return 0; }
static int st_hp_ap1_up(unsigned int cpu) { st_hp_log_here("ap1:up", cpu); return 0; }

static int st_hp_ap1_down(unsigned int cpu)
{
	st_hp_log_here("ap1:down", cpu);
	return st_hp_fail == HP_FAIL_AP1_DOWN ? -EBUSY : 0;
}

static int st_hp_ap2_up(unsigned int cpu)
{
	st_hp_log_here("ap2:up", cpu);
	return st_hp_fail == HP_FAIL_AP2_UP ? -ENOMEM : 0;
}

static int st_hp_ap2_down(unsigned int cpu) { st_hp_log_here("ap2:down", cpu); return 0; }

static int st_hp_notify(struct notifier_block *nb, unsigned long action,
			void *hcpu)
{
	st_logf("nb:%lu:%lu ", action, (unsigned long)hcpu);
	return NOTIFY_OK;
}

/* Called after st_hp_nb: says no when told to, and must not hear the undo. */
static int st_hp_veto(struct notifier_block *nb, unsigned long action,
		      void *hcpu)
{
	if ((st_hp_fail == HP_VETO_DOWN && action == CPU_DOWN_PREPARE) ||
	    (st_hp_fail == HP_VETO_UP && action == CPU_UP_PREPARE)) {
		st_logf("veto:%lu ", action);
		return notifier_from_errno(-EBUSY);
	}
	if (action == CPU_DOWN_FAILED || action == CPU_UP_CANCELED)
		st_logf("veto-told:%lu ", action);
	return NOTIFY_OK;
}

static struct notifier_block st_hp_nb = { .notifier_call = st_hp_notify,
					  .priority = 1 };
static struct notifier_block st_hp_veto_nb = { .notifier_call = st_hp_veto };

static long st_hotplug_register(long arg)
{
	static const struct {
		enum cpuhp_state state;
		const char *name;
		int (*up)(unsigned int cpu);
		int (*down)(unsigned int cpu);
	} states[] = {
		{ CPUHP_BP_PREPARE_DYN, "st:prep", st_hp_prep_up, st_hp_prep_down },
		{ CPUHP_BP_PREPARE_DYN, "st:prep2", st_hp_prep2_up, st_hp_prep2_down },
		{ CPUHP_AP_SCHED_STARTING, "st:starting", st_hp_starting_up,
		  st_hp_starting_down },
		{ CPUHP_AP_ONLINE_DYN, "st:ap1", st_hp_ap1_up, st_hp_ap1_down },
		{ CPUHP_AP_ONLINE_DYN, "st:ap2", st_hp_ap2_up, st_hp_ap2_down },
	};
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
		ret = cpuhp_setup_state_nocalls(states[i].state, states[i].name,
						states[i].up, states[i].down);
		if (ret < 0)
			return ret;
	}
	ret = register_cpu_notifier(&st_hp_nb);
	return ret ? ret : register_cpu_notifier(&st_hp_veto_nb);
}

static long st_hotplug_fail(long arg)
{
	WRITE_ONCE(st_hp_fail, arg);
	return 0;
}

static long st_cpu_up_self(long arg)
{
	return cpu_up(arg);
}

/*
 * Inside preempt_disable(), cpu_online(@arg) must not change: stop-machine
 * waits for this section.  st_cond: 1 when inside, the test sets 2 to leave.
 */
static long st_preempt_off_section(long arg)
{
	bool before, changed = false;

	preempt_disable();
	before = cpu_online(arg);
	atomic_set(&st_cond, 1);
	while (atomic_read(&st_cond) != 2) {
		changed |= cpu_online(arg) != before;
		cpu_relax();
	}
	changed |= cpu_online(arg) != before;
	preempt_enable();
	return changed;
}

static long st_cond_read(long arg)
{
	return atomic_read(&st_cond);
}

/* schedule_timeout(@arg) in TASK_INTERRUPTIBLE: what it returns. */
static long st_nap(long arg)
{
	return schedule_timeout_interruptible(arg);
}

/* How many jiffies a wait_event_timeout(@arg) took, or -1 if it returned 0. */
static long st_wait_timeout(long arg)
{
	unsigned long start = jiffies;
	long left = wait_event_timeout(st_wq, atomic_read(&st_cond) == 3, arg);

	return left ? (long)left : -(long)(jiffies - start) - 1000;
}

/* msleep(@arg ms): the jiffies that went by (never fewer than asked). */
static long st_msleep(long arg)
{
	unsigned long start = jiffies;

	msleep(arg);
	return jiffies - start;
}

/*
 * migrate_disable() (5.11+): the CPU number is stable and may be asked for,
 * and the task may sleep; it comes back on the same CPU.
 */
static long st_migrate_disabled(long arg)
{
	int cpu, again;

	migrate_disable();
	cpu = smp_processor_id();
	msleep(1);
	again = smp_processor_id();
	migrate_enable();
	return cpu == again ? cpu : -1;
}

/* jiffies starts 5 minutes before it wraps, as the kernel's does. */
static long st_jiffies(long arg)
{
	return time_after(jiffies, INITIAL_JIFFIES) ||
	       jiffies == INITIAL_JIFFIES ? (long)(jiffies - INITIAL_JIFFIES) : -1;
}

static long st_cpu_down_self(long arg)
{
	return cpu_down(arg);
}

static long st_bitops(long arg)
{
	DECLARE_BITMAP(map, 200);
	unsigned long bit;
	long sum = 0;

	bitmap_zero(map, 200);
	set_bit(3, map);
	set_bit(64, map);
	set_bit(199, map);
	if (test_and_set_bit(64, map) != 1 || test_and_clear_bit(65, map) != 0)
		return -1;
	if (bitmap_weight(map, 200) != 3 || find_first_bit(map, 200) != 3 ||
	    find_next_bit(map, 200, 4) != 64 || find_next_bit(map, 200, 65) != 199 ||
	    find_next_zero_bit(map, 200, 3) != 4 || find_last_bit(map, 200) != 199)
		return -2;
	for_each_set_bit(bit, map, 200)
		sum += bit;
	return sum;
}

static long st_cmpxchg(long arg)
{
	unsigned int v = 5, old;
	atomic_t a = ATOMIC_INIT(1);

	old = cmpxchg(&v, 5, 7);
	if (old != 5 || v != 7)
		return -1;
	old = cmpxchg(&v, 5, 9);
	if (old != 7 || v != 7)
		return -2;
	if (xchg(&v, 11) != 7 || v != 11)
		return -3;
	old = 10;
	if (try_cmpxchg(&v, &old, 12) || old != 11)
		return -4;
	if (atomic_inc_return(&a) != 2 || !atomic_dec_and_test((atomic_dec(&a), &a)))
		return -5;
	return 0;
}

/* Two tasks never hold one vCPU at once: a per-cpu "inside" flag shows it. */
static int st_inside[NR_CPUS];

static long st_exclusive(long arg)
{
	int cpu = raw_smp_processor_id();
	long i;

	if (xchg(&st_inside[cpu], 1))
		return -1;
	for (i = 0; i < arg; i++)
		barrier();
	WRITE_ONCE(st_inside[cpu], 0);
	return 0;
}

/* Mutual exclusion: @arg increments of a plain counter under a spinlock, and
 * of an atomic_t without one; returns how many increments were lost. */
static long st_counter;
static atomic_t st_atomic_counter;

static long st_count(long arg)
{
	unsigned long flags;
	long i;

	for (i = 0; i < arg; i++) {
		spin_lock_irqsave(&st_lock_b, flags);
		st_counter++;
		spin_unlock_irqrestore(&st_lock_b, flags);
		atomic_inc(&st_atomic_counter);
	}
	return 0;
}

static long st_count_read(long arg)
{
	return st_counter * 1000000000L + atomic_read(&st_atomic_counter);
}

/* Which context are we in: 1 hardirq, 2 irqs off, 4 preemptible. */
static long st_context(long arg)
{
	return (in_irq() ? 1 : 0) | (irqs_disabled() ? 2 : 0) |
	       (preemptible() ? 4 : 0);
}

/*
 * The bitmap tree over @arg bits: every bit once, in both call forms, none
 * past the end; freed bits come back and no others.  Returns 0, or the
 * line of the check that failed.
 */
static long st_bitmap_tree(long arg)
{
	unsigned int nr = arg, got, i, batch[7];
	struct bitmap_tree tree;
	unsigned long *seen;
	long fail = 0;

	seen = kcalloc(BITS_TO_LONGS(nr + 1), sizeof(long), GFP_KERNEL);
	if (!seen || bitmap_tree_init(&tree, nr)) {
		kfree(seen);
		return -ENOMEM;
	}
	for (got = 0; got < nr && !fail;) {
		int n = got & 1 ? bitmap_tree_find_set_bits(&tree, batch, 7) :
			bitmap_tree_find_set_bits(&tree, batch, 7, got * 7 % (nr + 1),
						  GFP_KERNEL);

		if (n <= 0)
			fail = __LINE__;
		for (i = 0; i < n && !fail; i++, got++)
			if (batch[i] >= nr || __test_and_set_bit(batch[i], seen))
				fail = __LINE__;
	}
	if (!fail && bitmap_tree_find_set_bits(&tree, batch, 7) != 0)
		fail = __LINE__;
	for (i = 1; i < nr && !fail; i += 2)
		bitmap_tree_clear_bit(&tree, i);
	for (got = 0; !fail && bitmap_tree_find_set_bits(&tree, batch, 1) == 1; got++)
		if (!(batch[0] & 1))
			fail = __LINE__;
	if (!fail && got != nr / 2)
		fail = __LINE__;
	bitmap_tree_destroy(&tree);
	kfree(seen);
	return fail;
}

/*
 * seq_file as a show function uses it, and the bounded random helpers:
 * 0, or the line of the check that failed.
 */
static long st_seq_file(long arg)
{
	char buf[16];
	struct seq_file m = { .buf = buf, .size = sizeof(buf) };

	seq_printf(&m, "depth=%u", 64U);
	seq_putc(&m, ' ');
	seq_puts(&m, "ab");
	if (m.count != 11 || memcmp(buf, "depth=64 ab", 11) || seq_has_overflowed(&m))
		return __LINE__;
	seq_puts(&m, "0123456789");	/* does not fit: the file overflows */
	if (!seq_has_overflowed(&m))
		return __LINE__;
	for (int i = 0; i < 1000; i++)
		if (get_random_u32_below(7) >= 7 || prandom_u32_max(1) != 0)
			return __LINE__;
	return 0;
}


/* kernel_port/lib/test_ida.c, linked into the images that have an ida */
long test_ida(long remove_unallocated) __weak;

static long st_test_ida(long arg)
{
	return test_ida ? test_ida(arg) : -EOPNOTSUPP;
}

static const struct st_entry st_table[] = {
	{ "wake_before_schedule", st_wake_before_schedule },
	{ "wait_cond", st_wait_cond },
	{ "set_cond", st_set_cond },
	{ "wait_exclusive", st_wait_exclusive },
	{ "wake_nr", st_wake_nr },
	{ "percpu", st_percpu },
	{ "percpu_raw_deref", st_percpu_raw_deref },
	{ "leak", st_leak },
	{ "vmalloc_leak", st_vmalloc_leak },
	{ "overflow", st_overflow },
	{ "lock_aa", st_lock_aa },
	{ "lock_order", st_lock_order },
	{ "lock_irq_ctx", st_lock_irq_ctx },
	{ "lock_class", st_lock_class },
	{ "hold_lock_a", st_hold_lock_a },
	{ "assert_held", st_assert_held },
	{ "lock_irq_then_b", st_lock_irq_then_b },
	{ "lock_irqsave", st_lock_irqsave },
	{ "sleep_in_atomic", st_sleep_in_atomic },
	{ "sleep_irqs_off", st_sleep_irqs_off },
	{ "kmalloc_atomic", st_kmalloc_atomic },
	{ "smp_id_preemptible", st_smp_id_preemptible },
	{ "bad_magic", st_bad_magic },
	{ "return_locked", st_return_locked },
	{ "double_kfree", st_double_kfree },
	{ "bug_on", st_bug_on },
	{ "fail_nth", st_fail_nth },
	{ "hotplug_register", st_hotplug_register },
	{ "cpu_down_self", st_cpu_down_self },
	{ "cpu_up_self", st_cpu_up_self },
	{ "hotplug_fail", st_hotplug_fail },
	{ "preempt_off_section", st_preempt_off_section },
	{ "cond_read", st_cond_read },
	{ "nap", st_nap },
	{ "wait_timeout", st_wait_timeout },
	{ "msleep", st_msleep },
	{ "jiffies", st_jiffies },
	{ "migrate_disabled", st_migrate_disabled },
	{ "bitops", st_bitops },
	{ "cmpxchg", st_cmpxchg },
	{ "exclusive", st_exclusive },
	{ "count", st_count },
	{ "count_read", st_count_read },
	{ "context", st_context },
	{ "test_ida", st_test_ida },
	{ "bitmap_tree", st_bitmap_tree },
	{ "seq_file", st_seq_file },
};

struct st_call {
	const struct st_entry *e;
	long arg;
};

static long st_trampoline(void *data)
{
	struct st_call *c = data;

	return c->e->fn(c->arg);
}

/**
 * hk_selftest() - run the named selftest function on vCPU @cpu
 * @t: the task (ignored with @in_irq)
 * @cpu: the vCPU
 * @in_irq: run it as a hard interrupt handler
 * @name: which function
 * @arg: its argument
 * @ret: its return value
 *
 * Return: as hk_call(), or -ENOENT for an unknown name.
 */
static const struct st_entry *st_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(st_table); i++)
		if (!strcmp(st_table[i].name, name))
			return &st_table[i];
	for (size_t i = 0; i < st_api_table_len; i++)
		if (!strcmp(st_api_table[i].name, name))
			return &st_api_table[i];
	return NULL;
}

SHIM_EXPORT int hk_selftest(struct task_struct *t, int cpu, int in_irq,
			    const char *name, long arg, long *ret)
{
	struct st_call c = { st_find(name), arg };

	if (!c.e)
		return -ENOENT;
	if (in_irq)
		return hk_irq_call(cpu, st_trampoline, &c, ret);
	return hk_call(t, cpu, st_trampoline, &c, ret);
}

SHIM_EXPORT size_t hk_selftest_log(char *buf, size_t len)
{
	return snprintf(buf, len, "%s", st_log);
}
