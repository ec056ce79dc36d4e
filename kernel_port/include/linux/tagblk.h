/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tagblk: a small block-style driver on percpu_ida, written for this project
 * to show what a driver does when a tag cannot be had.
 */
#ifndef _LINUX_TAGBLK_H
#define _LINUX_TAGBLK_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/version.h>
#include <linux/percpu_ida.h>

/*
 * The tag calls as the allocator's release spells them, the way a driver
 * that builds across releases does: @wait asks for a sleeping allocation.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(3, 12, 0)
/* the June 2013 posting: percpu_tag_*, failure is TAG_FAIL */
#define TAGBLK_TAGS			struct percpu_tag_pool
#define tagblk_tags_init(tags, nr)	percpu_tag_pool_init(tags, nr)
#define tagblk_tags_exit(tags)		percpu_tag_pool_free(tags)
#define tagblk_tag_put(tags, tag)	percpu_tag_free(tags, tag)

static inline int tagblk_tag_get(TAGBLK_TAGS *tags, bool wait)
{
	unsigned int tag = percpu_tag_alloc(tags, wait ? GFP_KERNEL : GFP_NOWAIT);

	return tag == TAG_FAIL ? -ENOSPC : (int)tag;
}
#else
#define TAGBLK_TAGS			struct percpu_ida
#define tagblk_tags_init(tags, nr)	percpu_ida_init(tags, nr)
#define tagblk_tags_exit(tags)		percpu_ida_destroy(tags)
#define tagblk_tag_put(tags, tag)	percpu_ida_free(tags, tag)

static inline int tagblk_tag_get(TAGBLK_TAGS *tags, bool wait)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(3, 14, 0)
	/* before 3.14 the only sleep was uninterruptible, asked for by gfp */
	return percpu_ida_alloc(tags, wait ? GFP_KERNEL : GFP_NOWAIT);
#else
	return percpu_ida_alloc(tags, wait ? TASK_UNINTERRUPTIBLE : TASK_RUNNING);
#endif
}
#endif

struct tagblk_dev;

/* what the driver builds for the hardware, per issued request */
#define TAGBLK_CMD_SIZE		64

struct tagblk_request {
	struct list_head	queue;		/* on the requeue list */
	unsigned long		id;
	unsigned int		retries;
	void			*cmd;		/* while issued */
	void			(*end_io)(struct tagblk_request *rq, int status);
};

struct tagblk_dev {
	TAGBLK_TAGS		tags;
	struct tagblk_request	**inflight;	/* by tag */
	unsigned int		depth;
	unsigned int		max_retries;
	/* the "hardware": told which tag carries a request */
	void			(*issue)(struct tagblk_dev *dev, unsigned int tag);

	spinlock_t		requeue_lock;
	struct list_head	requeue;

	atomic_long_t		nr_issued;
	atomic_long_t		nr_requeued;
	atomic_long_t		nr_failed;
	atomic_long_t		nr_completed;
};

int tagblk_init(struct tagblk_dev *dev, unsigned int depth,
		unsigned int max_retries);
void tagblk_exit(struct tagblk_dev *dev);
int tagblk_submit(struct tagblk_dev *dev, struct tagblk_request *rq);
void tagblk_submit_atomic(struct tagblk_dev *dev, struct tagblk_request *rq);
void tagblk_run_requeue(struct tagblk_dev *dev);
void tagblk_complete(struct tagblk_dev *dev, unsigned int tag);

#endif /* _LINUX_TAGBLK_H */
