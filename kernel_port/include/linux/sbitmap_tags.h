/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sbitmap_tags: tags from an sbitmap_queue, as blk-mq's tag code takes them.
 */
#ifndef _LINUX_SBITMAP_TAGS_H
#define _LINUX_SBITMAP_TAGS_H

#include <linux/sbitmap.h>
#include <linux/tag_pool.h>

struct sbitmap_tags {
	struct sbitmap_queue	sbq;
	atomic_t		wait_index;
	unsigned int		nr_tags;
};

DECLARE_TAG_POOL(sbitmap_tags);
unsigned int sbitmap_tags_wake_slack(struct sbitmap_tags *pool);

#endif /* _LINUX_SBITMAP_TAGS_H */
