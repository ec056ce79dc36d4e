/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ida_tags: tags from an ida under one spinlock, as ida_simple_get() gave
 * them out in 2013, with one wait queue for the callers that sleep.
 */
#ifndef _LINUX_IDA_TAGS_H
#define _LINUX_IDA_TAGS_H

#include <linux/idr.h>
#include <linux/spinlock_types.h>
#include <linux/tag_pool.h>

struct ida_tags {
	spinlock_t		lock;		/* serialises the ida */
	struct ida		ida;
	unsigned int		nr_tags;
	unsigned int		nr_busy;
	wait_queue_head_t	wait;
};

DECLARE_TAG_POOL(ida_tags);

#endif /* _LINUX_IDA_TAGS_H */
