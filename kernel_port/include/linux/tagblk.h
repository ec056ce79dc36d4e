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
#include <linux/percpu_ida.h>

struct tagblk_dev;

struct tagblk_request {
	struct list_head	queue;		/* on the requeue list */
	unsigned long		id;
	unsigned int		retries;
	void			(*end_io)(struct tagblk_request *rq, int status);
};

struct tagblk_dev {
	struct percpu_ida	tags;
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
