/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tag_freelist: one stack of free tags under one spinlock, one wait queue.
 * The simplest correct tag allocator, and the contention reference.
 */
#ifndef _LINUX_TAG_FREELIST_H
#define _LINUX_TAG_FREELIST_H

#include <linux/spinlock_types.h>
#include <linux/tag_pool.h>

struct tag_freelist {
	spinlock_t		lock;
	unsigned int		nr_tags;
	unsigned int		nr_free;
	unsigned int		*freelist;
	wait_queue_head_t	wait;
};

DECLARE_TAG_POOL(tag_freelist);

#endif /* _LINUX_TAG_FREELIST_H */
