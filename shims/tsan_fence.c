// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's barriers, told to ThreadSanitizer (see "The kernel's
 * ordering" in <linux/compiler.h>).
 *
 * TSan makes a happens-before edge when an acquire reads a release on the
 * same location; it ignores standalone fences.  The kernel pairs fences
 * through ordinary marked accesses instead: smp_wmb(); WRITE_ONCE(flag, 1)
 * on one CPU, READ_ONCE(flag); smp_rmb() on another.  The emulation, for
 * kernel code only:
 *
 *  - a release fence releases the task's history into a fresh sync object
 *    (an address in the task's ring below) and makes it the task's latest;
 *  - a marked store records, in a shadow table keyed by address, the
 *    storing task's latest release object (none if it never fenced);
 *  - a marked load notes the object recorded for the location it read;
 *  - an acquire fence acquires every object noted since the last one, and
 *    an acquire load acquires its own location's object at once;
 *  - a marked store first acquires the task's notes: the kernel orders a
 *    load before a store that depends on it (by address or by control,
 *    which nearly every later store does).  TSan cannot order the load
 *    before the task's later loads alone, and doing it for them would hide
 *    a missing smp_rmb(), so plain stores and later loads get no such edge.
 *
 * A load and a store of one location find each other's record because the
 * access and its record are one step, under the location's shadow set lock.
 * Where it cannot be exact the emulation errs towards ordering (a missed
 * race rather than a false report): a full note list is acquired early, a
 * ring slot reused after RING_SLOTS fences only adds history, and a relaxed
 * read-modify-write by a task that never fenced keeps the record of the
 * store it replaced (a release sequence).  One exception: a record evicted
 * by SHADOW_WAYS other locations of its set is forgotten, so a load of it
 * orders nothing; SHADOW_SETS keeps that rare for the few locations a pool
 * shares.  A "task" here is a host thread: the threaded engine's tasks and
 * the interrupts they take.
 */
#include "internal.h"

#ifdef __SANITIZE_THREAD__

void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

#define RING_SLOTS	4096	/* release fences a task passes before reuse */
#define NR_RINGS	256	/* tasks past this share rings: more ordering */
#define SHADOW_SETS	(1 << 16)
#define SHADOW_WAYS	4
#define NOTES		32	/* objects noted between two acquire fences */

struct fence_record {
	const volatile void *addr;
	char *obj;
};

/* the records of the locations that hash here, the oldest first */
struct fence_set {
	uintptr_t holder;	/* the task in an access here, or 0 */
	struct fence_record way[SHADOW_WAYS];
};

static char fence_rings[NR_RINGS][RING_SLOTS];
static unsigned int fence_rings_used;
static struct fence_set fence_shadow[SHADOW_SETS];

static __thread char *task_ring;
static __thread unsigned int task_ring_next;
static __thread char *task_released;
static __thread char *task_notes[NOTES];
static __thread unsigned int task_nr_notes;
static __thread char *task_read;	/* the record of what the access reads */
static __thread char task_token;	/* its address names the task as a holder */

/*
 * The emulation's own bookkeeping is not the code under test: TSan sees
 * none of it, so the set lock (which makes an access and its record one
 * step) orders nothing in TSan's eyes.
 */
#define NOT_TRACED __attribute__((no_sanitize_thread))

static NOT_TRACED struct fence_set *shadow_set(const volatile void *p)
{
	uintptr_t a = (uintptr_t)p;

	return &fence_shadow[(a >> 3 ^ a >> 19) & (SHADOW_SETS - 1)];
}

/* the object recorded for @p, or NULL */
static NOT_TRACED char *shadow_lookup(struct fence_set *set,
				      const volatile void *p)
{
	for (int i = 0; i < SHADOW_WAYS; i++)
		if (set->way[i].addr == p)
			return set->way[i].obj;
	return NULL;
}

/* record @obj for @p: in its own way, or in place of the oldest */
static NOT_TRACED void shadow_record(struct fence_set *set,
				     const volatile void *p, char *obj)
{
	int i;

	for (i = 0; i < SHADOW_WAYS; i++)
		if (set->way[i].addr == p)
			break;
	if (i == SHADOW_WAYS) {
		for (i = 0; i < SHADOW_WAYS - 1; i++)
			set->way[i] = set->way[i + 1];
		set->way[i].addr = p;
	}
	set->way[i].obj = obj;
}

/**
 * shim_fence_release() - the release half of a barrier
 *
 * Publishes everything the task has done (and acquired) so far; the
 * task's later marked stores carry it.
 */
NOT_TRACED void shim_fence_release(void)
{
	if (!task_ring) {
		unsigned int n = __atomic_fetch_add(&fence_rings_used, 1,
						    __ATOMIC_RELAXED);
		task_ring = fence_rings[n % NR_RINGS];
	}
	task_released = &task_ring[task_ring_next++ % RING_SLOTS];
	__tsan_release(task_released);
}

/**
 * shim_fence_acquire() - the acquire half of a barrier
 *
 * Acquires what was published before each store the task's marked loads
 * read since its last acquire fence.
 */
NOT_TRACED void shim_fence_acquire(void)
{
	while (task_nr_notes)
		__tsan_acquire(task_notes[--task_nr_notes]);
}

/* for the next acquire fence */
static NOT_TRACED void note(char *obj)
{
	for (unsigned int i = 0; i < task_nr_notes; i++)
		if (task_notes[i] == obj)
			return;
	if (task_nr_notes == NOTES)
		shim_fence_acquire();	/* early: more ordering, never less */
	task_notes[task_nr_notes++] = obj;
}

/**
 * shim_fence_begin() - before a marked access of @p
 * @p: the location
 * @kinds: 1 a load, 2 a store, 3 a read-modify-write
 *
 * Locks @p's shadow set until shim_fence_end(), so the access and its
 * record are one step.  A store records the task's latest release object;
 * a read-modify-write first keeps the record it replaces, for its load
 * half, and one by a task that never fenced leaves it in place (it
 * continues the release sequence it reads).
 */
NOT_TRACED void shim_fence_begin(const volatile void *p, int kinds)
{
	struct fence_set *set = shadow_set(p);

	if (kinds & 2)
		shim_fence_acquire();	/* the loads it depends on: see above */
	for (;;) {
		uintptr_t holder = 0;

		if (__atomic_compare_exchange_n(&set->holder, &holder,
						(uintptr_t)&task_token, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		/* ours: an access of ours faulted and the engine went on */
		if (holder == (uintptr_t)&task_token)
			break;
		__builtin_ia32_pause();
	}
	if (kinds & 1)
		task_read = shadow_lookup(set, p);
	if ((kinds & 2) && (task_released || kinds == 2))
		shadow_record(set, p, task_released);
}

/**
 * shim_fence_end() - after a marked access of @p
 * @p: the location
 * @kinds: as given to shim_fence_begin()
 * @acquire: the access was an acquire
 *
 * A load notes the object recorded with the store it read, for the task's
 * next acquire fence, or acquires it now if it was an acquire.
 */
NOT_TRACED void shim_fence_end(const volatile void *p, int kinds, int acquire)
{
	struct fence_set *set = shadow_set(p);
	char *obj = task_read;

	__atomic_store_n(&set->holder, 0, __ATOMIC_RELEASE);
	if (!(kinds & 1) || !obj)
		return;
	if (acquire)
		__tsan_acquire(obj);
	else
		note(obj);
}

#endif /* __SANITIZE_THREAD__ */
