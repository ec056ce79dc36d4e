/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RWLOCK_TYPES_H
#define _LINUX_RWLOCK_TYPES_H

#include <linux/lockdep_types.h>

#define RWLOCK_MAGIC		0xdeaf1eedU

/* Readers count up, a writer holds -1; readers nest (the lock is recursive). */
typedef struct {
	int cnt;
	unsigned int magic;
	struct task_struct *owner;	/* the writer */
	struct lockdep_map dep_map;
} rwlock_t;

#define __RW_LOCK_UNLOCKED(lockname)					\
	(rwlock_t){ .cnt = 0, .magic = RWLOCK_MAGIC,			\
		    .dep_map = { .name = #lockname } }
#define DEFINE_RWLOCK(x)	rwlock_t x = __RW_LOCK_UNLOCKED(x)

#endif /* _LINUX_RWLOCK_TYPES_H */
