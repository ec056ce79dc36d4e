/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime interface that the shimmed <linux/...> headers sit on.
 *
 * Kernel code never includes this file directly.  Everything here is the
 * machine model of DESIGN.md: vCPUs as exclusive tokens, tasks, the irq
 * flag, the preempt count, and the one scheduling point that every primitive
 * on shared state passes through.
 */
#ifndef _SHIM_RUNTIME_H
#define _SHIM_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NR_CPUS			64
#define SHIM_CACHELINE		64
#define MAX_LOCK_DEPTH		48
#define TASK_COMM_LEN		16

#define SHIM_EXPORT		__attribute__((visibility("default")))
/* image-internal data: direct access, not through the GOT */
#define SHIM_HIDDEN		__attribute__((visibility("hidden")))

/* Kinds of scheduling point: what the primitive at hand does. */
enum shim_point {
	SP_ATOMIC,
	SP_CMPXCHG,
	SP_XCHG,
	SP_BITOP,
	SP_BARRIER,
	SP_LOCK,
	SP_UNLOCK,
	SP_IRQ_OFF,
	SP_IRQ_ON,
	SP_PREEMPT_ON,
	SP_RELAX,
	SP_WAIT,
	SP_WAKE,
	SP_SCHEDULE,
	SP_READ,		/* plain accesses: the det_* copy, memory points on */
	SP_WRITE,
	SP_NR_POINTS,
};

/*
 * The scheduling point.  In the threaded engine with no delay injection the
 * hook is NULL and this is one predictable branch.
 */
extern void (*shim_sched_hook)(enum shim_point point, const volatile void *obj) SHIM_HIDDEN;

static inline void shim_sched_point(enum shim_point point,
				    const volatile void *obj)
{
	void (*hook)(enum shim_point, const volatile void *) =
		__atomic_load_n(&shim_sched_hook, __ATOMIC_RELAXED);

	if (__builtin_expect(hook != NULL, 0)) {
		hook(point, obj);
		/* no tail call: the hook's return address names the caller */
		__asm__ __volatile__("");
	}
}

struct shim_held_lock {
	const void *lock;
	int class_id;
	int subclass;
	int in_hardirq;
	int shared;		/* a reader's hold */
	unsigned long ip;
};

struct vcpu;

struct task_struct {
	union {			/* ->state until 5.14, ->__state since */
		volatile long state;
		volatile long __state;
	};
	int cpu;
	int preempt_count;
	int irqs_off;
	int pid;
	unsigned long sigpending;
	unsigned long fatal_sigpending;
	unsigned int fail_nth;
	unsigned int flags;
	int wake_futex;
	int lockdep_depth;
	int migration_disabled;	/* migrate_disable() depth (5.11+ meaning) */
	int next_cpu;		/* where to run next, -1: anywhere (shuffle) */
	struct vcpu *vcpu;
	void *det_fiber;	/* the deterministic engine's fiber running it */
	void *bug_jmp;
	const void *waiting_on;	/* the wait queue it is queued on, for reports */
	uint64_t sleep_since_ns;
	uint64_t timer_ns;	/* schedule_timeout()'s expiry on shim_clock_ns(), 0: none */
	uint64_t rng;		/* delay injection */
	unsigned long nr_remote_pcpu;	/* atomics and locks on other CPUs' per-cpu data */
	unsigned long remote_since_schedule;	/* the same, since schedule() */
	unsigned long nr_global_locks;	/* non-per-cpu locks, wait queues aside */
	struct shim_held_lock held_locks[MAX_LOCK_DEPTH];
	char comm[TASK_COMM_LEN];
};

#define PF_IDLE			0x00000002
#define PF_HARNESS		0x00000004
#define PF_MAKE_IT_FAIL		0x00000008
/* bound to task->cpu (kthread_bind): never migrated, smp_processor_id() legal */
#define PF_NO_SETAFFINITY	0x04000000

/* A task that must come back to the CPU it left: bound, or migrate_disable(). */
static inline bool shim_task_pinned(const struct task_struct *t)
{
	return (t->flags & PF_NO_SETAFFINITY) || t->migration_disabled;
}

struct vcpu {
	int token;		/* futex word: 0 free, 1 held, 2 held + waiters */
	int id;
	int online;
	int pending_irqs;
	struct task_struct *curr;
	struct task_struct idle;
} __attribute__((aligned(SHIM_CACHELINE)));

extern struct vcpu shim_vcpus[NR_CPUS] SHIM_HIDDEN;
/*
 * `current` lives in one small library shared by every loaded image: a thread
 * is inside at most one kernel at a time, and the entry code saves and
 * restores it.  Initial-exec keeps the access a single %fs-relative load.
 */
extern __thread struct task_struct *shim_current
	__attribute__((tls_model("initial-exec")));
extern int shim_kernel_dead SHIM_HIDDEN;

/* preempt_count layout, as in the kernel */
#define PREEMPT_BITS		8
#define SOFTIRQ_BITS		8
#define HARDIRQ_BITS		4
#define PREEMPT_SHIFT		0
#define SOFTIRQ_SHIFT		(PREEMPT_SHIFT + PREEMPT_BITS)
#define HARDIRQ_SHIFT		(SOFTIRQ_SHIFT + SOFTIRQ_BITS)
#define PREEMPT_MASK		(((1 << PREEMPT_BITS) - 1) << PREEMPT_SHIFT)
#define SOFTIRQ_MASK		(((1 << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK		(((1 << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT)
#define PREEMPT_OFFSET		(1 << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET		(1 << SOFTIRQ_SHIFT)
#define HARDIRQ_OFFSET		(1 << HARDIRQ_SHIFT)
#define SOFTIRQ_DISABLE_OFFSET	(2 * SOFTIRQ_OFFSET)

/* Reports: BUG ends the kernel instance, the rest are recorded. */
enum shim_report_kind {
	SHIM_REPORT_BUG,
	SHIM_REPORT_WARN,
	SHIM_REPORT_LOCKDEP,
	SHIM_REPORT_DEBUG,	/* kernel prints "BUG: ..." but carries on */
	SHIM_REPORT_LEAK,
};

void shim_report(enum shim_report_kind kind, const char *file, int line,
		 const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void shim_bug(const char *file, int line, const char *func,
	      const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
void shim_die(void) __attribute__((noreturn));

static inline void shim_check_dead(void)
{
	if (__builtin_expect(__atomic_load_n(&shim_kernel_dead,
					     __ATOMIC_RELAXED), 0))
		shim_die();
}

/* The trace ring: recent events, for reports. */
void shim_trace(const char *what, long a, long b);

/* irq, preempt and the debug checks that hang off them */
void shim_irq_restore_slow(void);
/* The hard interrupt handler of the threaded engine, set by the harness. */
extern void (*shim_irq_handler)(int cpu) SHIM_HIDDEN;
void shim_report_preemptible(const char *what, const char *file, int line,
			     const char *func);
void shim_might_sleep(const char *file, int line, const char *func);

/* spinlock slow paths and lockdep (on any lock's struct lockdep_map) */
struct raw_spinlock;
struct lockdep_map;
#define SHIM_LOCK_EXCLUSIVE	0
#define SHIM_LOCK_SHARED	1	/* a reader: readers do not exclude readers */
#define SHIM_LOCK_SLEEPING	2	/* a mutex: may not be taken in atomic context */
void shim_spin_lock_slow(struct raw_spinlock *lock);
void shim_lockdep_acquire(struct lockdep_map *map, int subclass, int how,
			  unsigned long ip);
void shim_lockdep_release(struct lockdep_map *map, unsigned long ip);
void shim_spin_bad_magic(struct raw_spinlock *lock, const char *op);

/* lockdep class usage bits, read on every acquisition */
#define SHIM_LOCKDEP_MAX_CLASSES	512
#define SHIM_USED_IN_HARDIRQ		0x1
#define SHIM_ENABLED_HARDIRQ		0x2
extern int shim_lockdep_usage[SHIM_LOCKDEP_MAX_CLASSES] SHIM_HIDDEN;

/* scheduling */
int shim_try_to_wake_up(struct task_struct *p, unsigned int state_mask);
void shim_schedule(void);

/* fault injection for memory */
bool shim_should_fail_alloc(int point, size_t size, unsigned long gfp);
enum shim_fault_point {
	SHIM_FAIL_SLAB,
	SHIM_FAIL_PAGE,
	SHIM_FAIL_PERCPU,
	SHIM_FAIL_FUNCTION,
};
long shim_fail_function(const char *func);

#endif /* _SHIM_RUNTIME_H */
