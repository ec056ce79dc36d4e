// SPDX-License-Identifier: GPL-2.0
/*
 * Spinlock slow path and a small lockdep.
 *
 * Classes come from the lock_class_key at a lock's init site (the lock itself
 * for static locks), as in the kernel.  Checked: recursion on one lock (a
 * certain deadlock: BUG), nesting two locks of one class, a class taken both
 * in hardirq context and with hardirqs enabled, and lock order inversions
 * (any cycle in the class dependency graph).  Like lockdep, it turns itself
 * off after its first splat so that one bug does not bury the log.
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include "internal.h"

#define MAX_CLASSES	SHIM_LOCKDEP_MAX_CLASSES
#define USED_IN_HARDIRQ	SHIM_USED_IN_HARDIRQ
#define ENABLED_HARDIRQ	SHIM_ENABLED_HARDIRQ

struct lock_class {
	const void *key;
	const char *name;
	unsigned long after[BITS_TO_LONGS(MAX_CLASSES)];
};

int shim_lockdep_usage[MAX_CLASSES];

static struct lock_class classes[MAX_CLASSES];
static int nr_classes = 1;	/* 0 means "not resolved yet" */
static int lockdep_disabled;
static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

static void lockdep_splat(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void lockdep_splat(const char *func, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (__atomic_exchange_n(&lockdep_disabled, 1, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shim_report(SHIM_REPORT_LOCKDEP, __FILE__, __LINE__, func, "%s", msg);
}

static int register_class(raw_spinlock_t *lock)
{
	const void *key = lock->key ? (const void *)lock->key : (const void *)lock;
	int id = 0;

	pthread_mutex_lock(&graph_lock);
	for (int i = 1; i < nr_classes; i++) {
		if (classes[i].key == key) {
			id = i;
			break;
		}
	}
	if (!id && nr_classes < MAX_CLASSES) {
		id = nr_classes;
		classes[id].key = key;
		classes[id].name = lock->name ? lock->name : "?";
		__atomic_store_n(&nr_classes, id + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&graph_lock);
	if (!id)
		lockdep_splat("register_lock_class", "BUG: MAX_LOCKDEP_KEYS too low!");
	__atomic_store_n(&lock->class_id, id, __ATOMIC_RELEASE);
	return id;
}

static void mark_usage(int cls, int bit)
{
	int old = __atomic_fetch_or(&shim_lockdep_usage[cls], bit, __ATOMIC_RELAXED);

	if ((old | bit) == (USED_IN_HARDIRQ | ENABLED_HARDIRQ) && !(old & bit))
		lockdep_splat("mark_lock",
			      "inconsistent lock state: %s taken in hardirq "
			      "context and with hardirqs enabled: "
			      "{IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage",
			      classes[cls].name);
}

/* Is @to reachable from @from along recorded "taken after" edges? */
static bool reachable(int from, int to, unsigned long *seen)
{
	if (from == to)
		return true;
	if (__test_and_set_bit(from, seen))
		return false;
	for (int next = 1; next < nr_classes; next++)
		if (test_bit(next, classes[from].after) &&
		    reachable(next, to, seen))
			return true;
	return false;
}

static void add_dependency(int prev, int next)
{
	unsigned long seen[BITS_TO_LONGS(MAX_CLASSES)] = { 0 };
	bool cycle;

	pthread_mutex_lock(&graph_lock);
	cycle = reachable(next, prev, seen);
	if (!cycle)	/* no scheduling point: an irq must not run in here */
		__atomic_fetch_or(&classes[prev].after[BIT_WORD(next)],
				  BIT_MASK(next), __ATOMIC_RELAXED);
	pthread_mutex_unlock(&graph_lock);
	if (cycle)
		lockdep_splat("check_prev_add",
			      "possible circular locking dependency detected: "
			      "taking %s while holding %s, but %s -> ... -> %s "
			      "was recorded before (ABBA deadlock)",
			      classes[next].name, classes[prev].name,
			      classes[next].name, classes[prev].name);
}

void shim_lockdep_acquire(struct raw_spinlock *lock, int subclass,
			  unsigned long ip)
{
	struct task_struct *t = shim_current;
	int in_hardirq = (t->preempt_count & HARDIRQ_MASK) != 0;
	int cls = __atomic_load_n(&lock->class_id, __ATOMIC_ACQUIRE);
	int need;

	for (int i = 0; i < t->lockdep_depth; i++)
		if (unlikely(t->held_locks[i].lock == lock))
			shim_bug(__FILE__, __LINE__, "spin_lock",
				 "spinlock recursion: %s/%d takes %s, which it "
				 "already holds (AA deadlock)",
				 t->comm, t->pid, lock->name);
	if (unlikely(t->lockdep_depth >= MAX_LOCK_DEPTH))
		shim_bug(__FILE__, __LINE__, "spin_lock",
			 "MAX_LOCK_DEPTH too low: %s/%d holds %d locks",
			 t->comm, t->pid, t->lockdep_depth);
	if (unlikely(!cls))
		cls = register_class(lock);

	need = in_hardirq ? USED_IN_HARDIRQ : (t->irqs_off ? 0 : ENABLED_HARDIRQ);
	if (unlikely(need && !(__atomic_load_n(&shim_lockdep_usage[cls],
						__ATOMIC_RELAXED) & need)))
		mark_usage(cls, need);

	for (int i = 0; i < t->lockdep_depth; i++) {
		int prev = t->held_locks[i].class_id;

		if (prev == cls && t->held_locks[i].subclass == subclass) {
			lockdep_splat("check_deadlock",
				      "possible recursive locking detected: "
				      "%s/%d takes %s while holding another "
				      "lock of the same class",
				      t->comm, t->pid, classes[cls].name);
			continue;
		}
		if (prev != cls && !test_bit(cls, classes[prev].after) &&
		    !__atomic_load_n(&lockdep_disabled, __ATOMIC_RELAXED))
			add_dependency(prev, cls);
	}

	t->held_locks[t->lockdep_depth++] = (struct shim_held_lock){
		.lock = lock, .class_id = cls, .subclass = subclass,
		.in_hardirq = in_hardirq, .ip = ip,
	};
}

void shim_lockdep_release(struct raw_spinlock *lock, unsigned long ip)
{
	struct task_struct *t = shim_current;

	for (int i = t->lockdep_depth - 1; i >= 0; i--) {
		if (t->held_locks[i].lock != lock)
			continue;
		for (int j = i; j < t->lockdep_depth - 1; j++)
			t->held_locks[j] = t->held_locks[j + 1];
		t->lockdep_depth--;
		return;
	}
	shim_bug(__FILE__, __LINE__, "spin_unlock",
		 "bad unlock balance detected: %s/%d releases %s, which it "
		 "does not hold", t->comm, t->pid, lock->name);
}

void shim_spin_bad_magic(struct raw_spinlock *lock, const char *op)
{
	shim_bug(__FILE__, __LINE__, op,
		 "spinlock bad magic on CPU#%d: lock %p .magic %08x "
		 "(never initialised, or corrupted)",
		 shim_current->cpu, (void *)lock, lock->magic);
}

void shim_spin_lock_slow(struct raw_spinlock *lock)
{
	struct task_struct *t = shim_current;
	unsigned long spins = 0;
	uint64_t start = 0;

	for (;;) {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED)) {
			struct task_struct *owner = READ_ONCE(lock->owner);

			if (owner && owner != t &&
			    READ_ONCE(lock->owner_cpu) == t->cpu && t->vcpu)
				shim_bug(__FILE__, __LINE__, "spin_lock",
					 "deadlock: %s is held by %s/%d, "
					 "interrupted on this CPU (%d)",
					 lock->name, owner->comm, owner->pid,
					 t->cpu);
			/*
			 * Spinning with irqs on takes interrupts, as on
			 * hardware; the deterministic engine parks the spinner
			 * on the word until it is clear.
			 */
			shim_sched_point(SP_RELAX, &lock->locked);
			__builtin_ia32_pause();
			if ((++spins & 63) == 0) {
				sched_yield();
				shim_check_dead();
			}
			if ((spins & 4095) == 0) {
				uint64_t now = shim_now_ns();

				if (!start)
					start = now;
				else if (now - start >
					 shim_lockup_timeout_ms * 1000000ull)
					shim_bug(__FILE__, __LINE__, "spin_lock",
						 "spinlock lockup suspected on "
						 "CPU#%d: %s held by %s",
						 t->cpu, lock->name,
						 owner ? owner->comm : "?");
			}
		}
		if (__shim_spin_trylock(lock))
			return;
	}
}
