/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <asm/processor.h>
#include <asm/barrier.h>
#include <linux/atomic.h>

static inline void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
					struct lock_class_key *key)
{
	lock->locked = 0;
	lock->magic = SPINLOCK_MAGIC;
	lock->owner_cpu = -1;
	lock->owner = NULL;
	lock->wq_lock = 0;
	lock->dep_map = (struct lockdep_map){ .key = key, .name = name };
}

#define raw_spin_lock_init(lock) do {					\
	static struct lock_class_key __key;				\
	__raw_spin_lock_init((lock), #lock, &__key);			\
} while (0)
#define spin_lock_init(_lock) do {					\
	static struct lock_class_key __key;				\
	__raw_spin_lock_init(&(_lock)->rlock, #_lock, &__key);		\
} while (0)

static inline bool __shim_spin_trylock(raw_spinlock_t *lock)
{
	return !__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void __shim_spin_acquired(raw_spinlock_t *lock)
{
	struct task_struct *t = shim_current;

	WRITE_ONCE(lock->owner, t);
	WRITE_ONCE(lock->owner_cpu, t->cpu);
}

/*
 * Where the lock was taken, for reports and dumps: the caller of spin_lock().
 * The lock is always inlined, so that is here; under -fno-inline (the gcov
 * build, whose branch counts must stay in this header) do_raw_spin_lock() is
 * a call of its own, and its return address is the caller's.
 */
#ifdef __NO_INLINE__
#define __shim_lock_inline	inline
#define __shim_lock_ip()	_RET_IP_
#else
#define __shim_lock_inline	__always_inline
#define __shim_lock_ip()	_THIS_IP_
#endif

/*
 * lockdep's common case inline: no other lock held, class known, and this
 * kind of use of the class seen before.  Anything else takes the full check.
 */
static __always_inline void shim_lockdep_acquire_inline(raw_spinlock_t *lock,
							int subclass)
{
	struct task_struct *t = shim_current;
	int cls = __atomic_load_n(&lock->dep_map.class_id, __ATOMIC_RELAXED);
	int need = (t->preempt_count & HARDIRQ_MASK) ? SHIM_USED_IN_HARDIRQ :
		   (t->irqs_off ? 0 : SHIM_ENABLED_HARDIRQ);

	if (likely(t->lockdep_depth == 0 && cls && !subclass &&
		   !lock->dep_map.subclass &&
		   (__atomic_load_n(&shim_lockdep_usage[cls], __ATOMIC_RELAXED) &
		    need) == need)) {
		struct shim_held_lock *h = &t->held_locks[0];

		h->lock = &lock->dep_map;
		h->class_id = cls;
		h->subclass = 0;
		h->in_hardirq = need == SHIM_USED_IN_HARDIRQ;
		h->shared = 0;
		h->ip = __shim_lock_ip();
		t->lockdep_depth = 1;
		return;
	}
	shim_lockdep_acquire(&lock->dep_map, subclass, SHIM_LOCK_EXCLUSIVE,
			     __shim_lock_ip());
}

static __always_inline void shim_lockdep_release_inline(raw_spinlock_t *lock)
{
	struct task_struct *t = shim_current;
	int depth = t->lockdep_depth;

	if (likely(depth && t->held_locks[depth - 1].lock == &lock->dep_map)) {
		t->lockdep_depth = depth - 1;
		return;
	}
	shim_lockdep_release(&lock->dep_map, 0);
}

static __shim_lock_inline void do_raw_spin_lock(raw_spinlock_t *lock,
						int subclass)
{
	if (unlikely(lock->magic != SPINLOCK_MAGIC))
		shim_spin_bad_magic(lock, "lock");
	shim_lockdep_acquire_inline(lock, subclass);
	shim_sched_point(SP_LOCK, lock);
	if (unlikely(!__shim_spin_trylock(lock)))
		shim_spin_lock_slow(lock);
	__shim_spin_acquired(lock);
}

static __shim_lock_inline int do_raw_spin_trylock(raw_spinlock_t *lock)
{
	if (unlikely(lock->magic != SPINLOCK_MAGIC))
		shim_spin_bad_magic(lock, "trylock");
	shim_sched_point(SP_LOCK, lock);
	if (!__shim_spin_trylock(lock))
		return 0;
	shim_lockdep_acquire_inline(lock, 0);
	__shim_spin_acquired(lock);
	return 1;
}

static inline void do_raw_spin_unlock(raw_spinlock_t *lock)
{
	struct task_struct *t = shim_current;

	if (unlikely(lock->magic != SPINLOCK_MAGIC))
		shim_spin_bad_magic(lock, "unlock");
	if (unlikely(!READ_ONCE(lock->locked) || READ_ONCE(lock->owner) != t))
		shim_bug(__FILE__, __LINE__, __func__,
			 "spinlock %s: unlock of a lock %s (owner %s)",
			 lock->dep_map.name ? lock->dep_map.name : "?",
			 lock->locked ? "held by another task" : "not held",
			 lock->owner ? lock->owner->comm : "none");
	shim_lockdep_release_inline(lock);
	WRITE_ONCE(lock->owner, NULL);
	WRITE_ONCE(lock->owner_cpu, -1);
	shim_sched_point(SP_UNLOCK, lock);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#define raw_spin_lock(lock) do {					\
	preempt_disable();						\
	do_raw_spin_lock((lock), 0);					\
} while (0)
#define raw_spin_lock_nested(lock, sub) do {				\
	preempt_disable();						\
	do_raw_spin_lock((lock), (sub));				\
} while (0)
#define raw_spin_unlock(lock) do {					\
	do_raw_spin_unlock(lock);					\
	preempt_enable();						\
} while (0)
#define raw_spin_lock_irq(lock) do {					\
	local_irq_disable();						\
	raw_spin_lock(lock);						\
} while (0)
#define raw_spin_unlock_irq(lock) do {					\
	do_raw_spin_unlock(lock);					\
	local_irq_enable();						\
	preempt_enable();						\
} while (0)
#define raw_spin_lock_irqsave(lock, flags) do {				\
	local_irq_save(flags);						\
	raw_spin_lock(lock);						\
} while (0)
#define raw_spin_lock_irqsave_nested(lock, flags, sub) do {		\
	local_irq_save(flags);						\
	raw_spin_lock_nested(lock, sub);				\
} while (0)
#define raw_spin_unlock_irqrestore(lock, flags) do {			\
	do_raw_spin_unlock(lock);					\
	local_irq_restore(flags);					\
	preempt_enable();						\
} while (0)
#define raw_spin_lock_bh(lock) do {					\
	local_bh_disable();						\
	raw_spin_lock(lock);						\
} while (0)
#define raw_spin_unlock_bh(lock) do {					\
	raw_spin_unlock(lock);						\
	local_bh_enable();						\
} while (0)
#define raw_spin_trylock(lock) ({					\
	int __r;							\
	preempt_disable();						\
	__r = do_raw_spin_trylock(lock);				\
	if (!__r)							\
		preempt_enable();					\
	__r;								\
})
#define raw_spin_trylock_irqsave(lock, flags) ({			\
	int __r;							\
	local_irq_save(flags);						\
	__r = raw_spin_trylock(lock);					\
	if (!__r)							\
		local_irq_restore(flags);				\
	__r;								\
})
#define raw_spin_is_locked(lock)	(READ_ONCE((lock)->locked) != 0)

#define spin_lock(l)			raw_spin_lock(&(l)->rlock)
#define spin_lock_nested(l, s)		raw_spin_lock_nested(&(l)->rlock, s)
#define spin_unlock(l)			raw_spin_unlock(&(l)->rlock)
#define spin_lock_irq(l)		raw_spin_lock_irq(&(l)->rlock)
#define spin_unlock_irq(l)		raw_spin_unlock_irq(&(l)->rlock)
#define spin_lock_irqsave(l, f)		raw_spin_lock_irqsave(&(l)->rlock, f)
#define spin_lock_irqsave_nested(l, f, s) \
	raw_spin_lock_irqsave_nested(&(l)->rlock, f, s)
#define spin_unlock_irqrestore(l, f)	raw_spin_unlock_irqrestore(&(l)->rlock, f)
#define spin_lock_bh(l)			raw_spin_lock_bh(&(l)->rlock)
#define spin_unlock_bh(l)		raw_spin_unlock_bh(&(l)->rlock)
#define spin_trylock(l)			raw_spin_trylock(&(l)->rlock)
#define spin_trylock_irqsave(l, f)	raw_spin_trylock_irqsave(&(l)->rlock, f)
#define spin_is_locked(l)		raw_spin_is_locked(&(l)->rlock)
#define assert_spin_locked(l)		BUG_ON(!spin_is_locked(l))
#define assert_raw_spin_locked(l)	BUG_ON(!raw_spin_is_locked(l))

/* the kernel's spinlock.h brings the reader-writer spinlocks */
#include <linux/rwlock.h>

#endif /* _LINUX_SPINLOCK_H */
