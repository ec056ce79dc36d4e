/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

/*
 * A sleeping lock with CONFIG_DEBUG_MUTEXES' checks: taken only where the
 * caller may sleep, released only by its owner, in lockdep's graph with the
 * spinlocks.  Waiters sleep on a wait queue until the owner lets go.
 */
struct mutex {
	struct task_struct *owner;
	struct wait_queue_head wait;
	struct lockdep_map dep_map;
};

#define __MUTEX_INITIALIZER(lockname) {					\
	.owner = NULL,							\
	.wait = __WAIT_QUEUE_HEAD_INITIALIZER((lockname).wait),		\
	.dep_map = { .name = #lockname } }
#define DEFINE_MUTEX(mutexname)						\
	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

void __mutex_init(struct mutex *lock, const char *name,
		  struct lock_class_key *key);
#define mutex_init(mutex) do {						\
	static struct lock_class_key __key;				\
	__mutex_init((mutex), #mutex, &__key);				\
} while (0)
#define mutex_destroy(mutex)	WARN_ON(mutex_is_locked(mutex))

void mutex_lock_nested(struct mutex *lock, unsigned int subclass);
int mutex_lock_interruptible_nested(struct mutex *lock, unsigned int subclass);
int mutex_lock_killable_nested(struct mutex *lock, unsigned int subclass);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#define mutex_lock(lock)		mutex_lock_nested(lock, 0)
#define mutex_lock_interruptible(lock)	mutex_lock_interruptible_nested(lock, 0)
#define mutex_lock_killable(lock)	mutex_lock_killable_nested(lock, 0)
#define mutex_lock_io(lock)		mutex_lock(lock)

static inline bool mutex_is_locked(struct mutex *lock)
{
	return READ_ONCE(lock->owner) != NULL;
}

#endif /* _LINUX_MUTEX_H */
