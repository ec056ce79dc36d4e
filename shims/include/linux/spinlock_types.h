/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SPINLOCK_TYPES_H
#define _LINUX_SPINLOCK_TYPES_H

#include <linux/types.h>
#include <linux/lockdep_types.h>

#define SPINLOCK_MAGIC		0xdead4eadU

/*
 * A test-and-set lock with the debug fields of CONFIG_DEBUG_SPINLOCK and a
 * lockdep map.
 */
typedef struct raw_spinlock {
	int locked;
	unsigned int magic;
	int owner_cpu;
	int wq_lock;		/* a wait queue's lock, for the lock counters */
	struct task_struct *owner;
	struct lockdep_map dep_map;
} raw_spinlock_t;

/* spinlock_t's dep_map is its raw lock's, so lockdep_set_class() takes either */
#define __SHIM_DEP_MAP_OFFSET	__builtin_offsetof(struct raw_spinlock, dep_map)
typedef struct spinlock {
	union {
		struct raw_spinlock rlock;
		struct {
			unsigned char __pad[__SHIM_DEP_MAP_OFFSET];
			struct lockdep_map dep_map;
		};
	};
} spinlock_t;

#define __RAW_SPIN_LOCK_INITIALIZER(lockname)				\
	{ .locked = 0, .magic = SPINLOCK_MAGIC, .owner_cpu = -1,	\
	  .dep_map = { .name = #lockname } }
#define __RAW_SPIN_LOCK_UNLOCKED(lockname)				\
	(raw_spinlock_t)__RAW_SPIN_LOCK_INITIALIZER(lockname)
#define __SPIN_LOCK_INITIALIZER(lockname)				\
	{ { .rlock = __RAW_SPIN_LOCK_INITIALIZER(lockname) } }
#define __SPIN_LOCK_UNLOCKED(lockname)					\
	(spinlock_t)__SPIN_LOCK_INITIALIZER(lockname)
#define SPIN_LOCK_UNLOCKED	__SPIN_LOCK_UNLOCKED(old_style_spin_init)
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)

#endif /* _LINUX_SPINLOCK_TYPES_H */
