// SPDX-License-Identifier: GPL-2.0
/*
 * Spinlock slow path and a small lockdep.
 *
 * Classes come from the lock_class_key at a lock's init site (the lock itself
 * for static locks) and the subclass, as in the kernel.  Checked: recursion
 * on one lock (a certain deadlock: BUG), nesting two locks of one class, a
 * class taken both in hardirq context and with hardirqs enabled, a
 * hardirq-safe class held while a hardirq-unsafe one is taken, and lock order
 * inversions (any cycle in the class dependency graph).  Like lockdep, it turns itself
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
	int subclass;
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

/*
 * The class of @map taken with @subclass: its key (the map itself for a
 * static lock) and the subclass together, as lockdep's classes are.
 */
static int lookup_class(struct lockdep_map *map, int subclass)
{
	const void *key = map->key ? (const void *)map->key : (const void *)map;
	int id = 0;

	pthread_mutex_lock(&graph_lock);
	for (int i = 1; i < nr_classes; i++) {
		if (classes[i].key == key && classes[i].subclass == subclass) {
			id = i;
			break;
		}
	}
	if (!id && nr_classes < MAX_CLASSES) {
		id = nr_classes;
		classes[id].key = key;
		classes[id].subclass = subclass;
		classes[id].name = map->name ? map->name : "?";
		__atomic_store_n(&nr_classes, id + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&graph_lock);
	if (!id)
		lockdep_splat("register_lock_class", "BUG: MAX_LOCKDEP_KEYS too low!");
	return id;
}

struct lock_class_key __lockdep_no_validate__;

/**
 * lockdep_init_map_type() - give a lock the class of @key
 * @map: the lock's ->dep_map
 * @name: the class's name in reports
 * @key: a static key: every lock given it is one class
 * @subclass: added to the subclass of every acquisition
 */
void lockdep_init_map_type(struct lockdep_map *map, const char *name,
			   struct lock_class_key *key, int subclass)
{
	map->name = name;
	map->key = key;
	map->subclass = subclass;
	__atomic_store_n(&map->class_id, 0, __ATOMIC_RELEASE);
}

/* Whether the current task holds the lock whose map is @map. */
int (lockdep_is_held)(const void *map)
{
	struct task_struct *t = shim_current;

	for (int i = 0; i < t->lockdep_depth; i++)
		if (t->held_locks[i].lock == map)
			return 1;
	return 0;
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

static bool reaches(int from, int to)
{
	unsigned long seen[BITS_TO_LONGS(MAX_CLASSES)] = { 0 };

	return reachable(from, to, seen);
}

/* A class with usage @bit that @cls is taken after (@backward) or before. */
static int find_usage(int cls, int bit, bool backward)
{
	for (int c = 1; c < nr_classes; c++) {
		if (c == cls ||
		    !(__atomic_load_n(&shim_lockdep_usage[c], __ATOMIC_RELAXED) & bit))
			continue;
		if (backward ? reaches(c, cls) : reaches(cls, c))
			return c;
	}
	return 0;
}

/*
 * A hardirq-safe lock (taken in an interrupt) held while a hardirq-unsafe one
 * (taken with irqs on) is taken: the interrupt can come while another CPU
 * holds the unsafe one and waits for the safe one.
 */
static void irq_inversion_splat(int safe, int unsafe, const char *how)
{
	lockdep_splat("check_irq_usage",
		      "%s: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected: "
		      "%s (taken in hardirq context) -> ... -> %s (taken with "
		      "hardirqs enabled): an interrupt on a CPU holding %s can "
		      "wait for %s for ever",
		      how, classes[safe].name, classes[unsafe].name,
		      classes[unsafe].name, classes[safe].name);
}

static void mark_usage(int cls, int bit)
{
	int old = __atomic_fetch_or(&shim_lockdep_usage[cls], bit, __ATOMIC_RELAXED);
	int other;

	if (old & bit)
		return;
	if ((old | bit) == (USED_IN_HARDIRQ | ENABLED_HARDIRQ)) {
		lockdep_splat("mark_lock",
			      "inconsistent lock state: %s taken in hardirq "
			      "context and with hardirqs enabled: "
			      "{IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage",
			      classes[cls].name);
		return;
	}
	pthread_mutex_lock(&graph_lock);
	if (bit == USED_IN_HARDIRQ) {
		other = find_usage(cls, ENABLED_HARDIRQ, false);
		pthread_mutex_unlock(&graph_lock);
		if (other)
			irq_inversion_splat(cls, other, "irq lock inversion");
	} else {
		other = find_usage(cls, USED_IN_HARDIRQ, true);
		pthread_mutex_unlock(&graph_lock);
		if (other)
			irq_inversion_splat(other, cls, "irq lock inversion");
	}
}

static void add_dependency(int prev, int next)
{
	int safe = 0, unsafe = 0;
	bool cycle;

	pthread_mutex_lock(&graph_lock);
	cycle = reaches(next, prev);
	if (!cycle) {	/* no scheduling point: an irq must not run in here */
		__atomic_fetch_or(&classes[prev].after[BIT_WORD(next)],
				  BIT_MASK(next), __ATOMIC_RELAXED);
		safe = shim_lockdep_usage[prev] & USED_IN_HARDIRQ ? prev :
		       find_usage(prev, USED_IN_HARDIRQ, true);
		if (safe)
			unsafe = shim_lockdep_usage[next] & ENABLED_HARDIRQ ?
				 next : find_usage(next, ENABLED_HARDIRQ, false);
	}
	pthread_mutex_unlock(&graph_lock);
	if (cycle)
		lockdep_splat("check_prev_add",
			      "possible circular locking dependency detected: "
			      "taking %s while holding %s, but %s -> ... -> %s "
			      "was recorded before (ABBA deadlock)",
			      classes[next].name, classes[prev].name,
			      classes[next].name, classes[prev].name);
	else if (safe && unsafe)
		irq_inversion_splat(safe, unsafe, "new dependency");
}

/*
 * @map's class for @subclass: the cached one for the lock's own subclass,
 * looked up for the others (spin_lock_nested() and friends).
 */
static int class_of(struct lockdep_map *map, int subclass)
{
	int cls;

	subclass += map->subclass;
	if (subclass)
		return lookup_class(map, subclass);
	cls = __atomic_load_n(&map->class_id, __ATOMIC_ACQUIRE);
	if (unlikely(!cls)) {
		cls = lookup_class(map, 0);
		__atomic_store_n(&map->class_id, cls, __ATOMIC_RELEASE);
	}
	return cls;
}

void shim_lockdep_acquire(struct lockdep_map *map, int subclass, int how,
			  unsigned long ip)
{
	struct task_struct *t = shim_current;
	int in_hardirq = (t->preempt_count & HARDIRQ_MASK) != 0;
	int cls, need;

	for (int i = 0; i < t->lockdep_depth; i++)
		if (unlikely(t->held_locks[i].lock == map) &&
		    !(how == SHIM_LOCK_SHARED && t->held_locks[i].shared))
			shim_bug(__FILE__, __LINE__, "lock_acquire",
				 "lock recursion: %s/%d takes %s, which it "
				 "already holds (AA deadlock)",
				 t->comm, t->pid, map->name);
	if (unlikely(t->lockdep_depth >= MAX_LOCK_DEPTH))
		shim_bug(__FILE__, __LINE__, "lock_acquire",
			 "MAX_LOCK_DEPTH too low: %s/%d holds %d locks",
			 t->comm, t->pid, t->lockdep_depth);
	cls = class_of(map, subclass);
	if (!cls || map->key == &__lockdep_no_validate__)
		goto record;

	need = in_hardirq ? USED_IN_HARDIRQ : (t->irqs_off ? 0 : ENABLED_HARDIRQ);
	if (unlikely(need && !(__atomic_load_n(&shim_lockdep_usage[cls],
						__ATOMIC_RELAXED) & need)))
		mark_usage(cls, need);

	for (int i = 0; i < t->lockdep_depth; i++) {
		int prev = t->held_locks[i].class_id;

		if (prev == cls) {
			/* readers of an rwlock may nest: it is recursive */
			if (how == SHIM_LOCK_SHARED && t->held_locks[i].shared)
				continue;
			lockdep_splat("check_deadlock",
				      "possible recursive locking detected: "
				      "%s/%d takes %s while holding another "
				      "lock of the same class",
				      t->comm, t->pid, classes[cls].name);
			continue;
		}
		if (prev && !test_bit(cls, classes[prev].after) &&
		    !__atomic_load_n(&lockdep_disabled, __ATOMIC_RELAXED))
			add_dependency(prev, cls);
	}
record:
	t->held_locks[t->lockdep_depth++] = (struct shim_held_lock){
		.lock = map, .class_id = cls, .subclass = subclass,
		.in_hardirq = in_hardirq, .shared = how == SHIM_LOCK_SHARED,
		.ip = ip,
	};
}

void shim_lockdep_release(struct lockdep_map *map, unsigned long ip)
{
	struct task_struct *t = shim_current;

	for (int i = t->lockdep_depth - 1; i >= 0; i--) {
		if (t->held_locks[i].lock != map)
			continue;
		for (int j = i; j < t->lockdep_depth - 1; j++)
			t->held_locks[j] = t->held_locks[j + 1];
		t->lockdep_depth--;
		return;
	}
	shim_bug(__FILE__, __LINE__, "lock_release",
		 "bad unlock balance detected: %s/%d releases %s, which it "
		 "does not hold", t->comm, t->pid, map->name);
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
					 lock->dep_map.name, owner->comm, owner->pid,
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
						 t->cpu, lock->dep_map.name,
						 owner ? owner->comm : "?");
			}
		}
		if (__shim_spin_trylock(lock))
			return;
	}
}
