// SPDX-License-Identifier: GPL-2.0
/*
 * The threaded engine's scheduling point, when it has work to do: seeded
 * random delays to widen race windows, and interrupts raised on a vCPU from
 * outside.  An interrupt is pending on its vCPU until the task there reaches
 * a scheduling point with irqs on, or turns irqs back on; every primitive on
 * shared state is such a point, so handlers land between any two of them.
 * A vCPU that nobody holds takes its interrupt at once, on the raiser's thread,
 * as that vCPU's idle task.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include "internal.h"

static unsigned int delay_permille;
static unsigned int delay_max_ns;
static unsigned int preempt_permille;
static bool counting;
static long nr_preemptions, nr_access_preemptions;
/* marked accesses call it while no delay is injected */
void shim_once_nop(enum shim_point point, const volatile void *obj)
{
}

void (*shim_once_hook)(enum shim_point point, const volatile void *obj) = shim_once_nop;

uint64_t shim_task_rand(struct task_struct *t)
{
	uint64_t x = t->rng ? t->rng : (0x9e3779b97f4a7c15ull ^ (uint64_t)t->pid);

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

/*
 * Steals and trips to the global stack, for any per-cpu allocator: an atomic
 * or a lock on another CPU's per-cpu data, and a lock outside per-cpu data
 * (other than a wait queue's).
 */
static void count_point(struct task_struct *t, enum shim_point point,
			const volatile void *obj)
{
	int cpu;

	if (point != SP_LOCK && point != SP_XCHG && point != SP_CMPXCHG)
		return;
	cpu = shim_pcpu_cpu_of(obj);
	if (cpu >= 0 && cpu != t->cpu) {
		t->nr_remote_pcpu++;
		t->remote_since_schedule++;
	}
	else if (cpu < 0 && point == SP_LOCK &&
		 !((const struct raw_spinlock *)obj)->wq_lock)
		t->nr_global_locks++;
}

/* The @n-th online vCPU, counting from 0 and wrapping. */
static int nth_online_cpu(unsigned int n)
{
	unsigned int cpu;

	n %= num_online_cpus();
	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return -1;
}

/*
 * Where the kernel could preempt (preemption and irqs on, a task): give the
 * vCPU up and take one back, one time in two another one, as a migration.
 */
static void preempt_here(struct task_struct *t, enum shim_point point)
{
	if (!t->vcpu || t->preempt_count || t->irqs_off ||
	    (t->flags & (PF_IDLE | PF_HARNESS)))
		return;
	if (!shim_task_pinned(t) && (shim_task_rand(t) & 1)) {
		int cpu = nth_online_cpu(shim_task_rand(t) >> 8);

		if (cpu >= 0)
			WRITE_ONCE(t->next_cpu, cpu);
	}
	shim_trace("preempt", t->pid, t->cpu);
	shim_task_leave(t);
	sched_yield();
	shim_task_resume(t);
	__atomic_fetch_add(&nr_preemptions, 1, __ATOMIC_RELAXED);
	if (point == SP_READ || point == SP_WRITE)
		__atomic_fetch_add(&nr_access_preemptions, 1, __ATOMIC_RELAXED);
}

static void threaded_hook(enum shim_point point, const volatile void *obj)
{
	struct task_struct *t = shim_current;

	if (!t)
		return;
	if (counting)
		count_point(t, point, obj);
	if (delay_permille && shim_task_rand(t) % 1000 < delay_permille) {
		uint64_t until = shim_now_ns() + shim_task_rand(t) % (delay_max_ns + 1);

		while (shim_now_ns() < until)
			__builtin_ia32_pause();
		/* one delay in four ends in a preemption, where one is allowed */
		if ((shim_task_rand(t) & 3) == 0)
			preempt_here(t, point);
	}
	if (preempt_permille && shim_task_rand(t) % 1000 < preempt_permille)
		preempt_here(t, point);
	if (t->vcpu && !t->irqs_off &&
	    __atomic_load_n(&t->vcpu->pending_irqs, __ATOMIC_RELAXED))
		shim_irq_restore_slow();
}

static void update_hook(void)
{
	bool moves = delay_permille || preempt_permille;
	bool on = moves || shim_irq_handler || counting;

	__atomic_store_n(&shim_sched_hook, on ? threaded_hook : NULL,
			 __ATOMIC_RELEASE);
	/* marked accesses are points only where a task can be delayed or moved */
	__atomic_store_n(&shim_once_hook, moves ? threaded_hook : shim_once_nop,
			 __ATOMIC_RELEASE);
}

/*
 * Preemptions (and migrations) made by delay or preemption injection: all,
 * or @at_access: those at a READ_ONCE()/WRITE_ONCE().
 */
SHIM_EXPORT long hk_preemptions(int at_access)
{
	return __atomic_load_n(at_access ? &nr_access_preemptions : &nr_preemptions,
			       __ATOMIC_RELAXED);
}

/**
 * hk_set_delay() - delay injection at scheduling points
 * @permille: chance per scheduling point, in 1/1000 (0 turns it off)
 * @max_ns: longest delay
 *
 * Each task draws from its own generator, seeded by the harness.
 */
SHIM_EXPORT void hk_set_delay(unsigned int permille, unsigned int max_ns)
{
	delay_permille = permille > 1000 ? 1000 : permille;
	delay_max_ns = max_ns;
	update_hook();
}

/**
 * hk_set_preempt() - involuntary preemption at scheduling points
 * @permille: chance per point where the kernel could preempt (preemption
 *	and irqs on), in 1/1000; half of the preemptions migrate the task
 */
SHIM_EXPORT void hk_set_preempt(unsigned int permille)
{
	preempt_permille = permille > 1000 ? 1000 : permille;
	update_hook();
}

/* Count remote per-cpu operations and global locks (for torture stats). */
SHIM_EXPORT void hk_set_counting(int on)
{
	counting = on;
	update_hook();
}

void shim_set_irq_handler(void (*handler)(int cpu))
{
	__atomic_store_n(&shim_irq_handler, handler, __ATOMIC_RELEASE);
	update_hook();
}

/**
 * shim_raise_irq() - raise a hard interrupt on vCPU @cpu
 * Return: true if it ran here at once, false if it was left pending.
 */
bool shim_raise_irq(int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];
	struct task_struct *saved = shim_current, *idle = &v->idle;
	int zero = 0;
	jmp_buf jb;

	__atomic_fetch_add(&v->pending_irqs, 1, __ATOMIC_RELEASE);
	if (!__atomic_compare_exchange_n(&v->token, &zero, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;	/* a task holds it: it takes the irq */
	if (!READ_ONCE(v->online)) {
		shim_vcpu_unlock(v);
		return false;
	}
	shim_current = idle;
	v->curr = idle;
	WRITE_ONCE(idle->vcpu, v);
	WRITE_ONCE(idle->cpu, cpu);
	idle->bug_jmp = &jb;
	if (!setjmp(jb))
		shim_irq_restore_slow();
	idle->bug_jmp = NULL;
	idle->preempt_count = 0;
	idle->irqs_off = 0;
	shim_task_leave(idle);
	shim_current = saved;
	return true;
}
