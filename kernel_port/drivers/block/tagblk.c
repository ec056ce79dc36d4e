// SPDX-License-Identifier: GPL-2.0
/*
 * tagblk: a block-style driver on percpu_ida.
 *
 * A request needs a tag and a command buffer to be issued.  From process
 * context the driver sleeps for a tag, and a buffer it cannot have ends the
 * request with -ENOMEM; from a timer or softirq it cannot sleep, so when no
 * tag or no buffer is to be had it puts the request on a requeue list, and a
 * later timer run tries again.  After max_retries tries the request is
 * completed with -EBUSY, so a caller is never left waiting for ever.  The
 * completion interrupt, on whatever CPU the hardware raises it, frees the
 * buffer and the tag and ends the request.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/tagblk.h>

/**
 * tagblk_init() - set up a device with @depth tags
 * @dev: the device; @dev->issue must be set
 * @depth: how many requests can be in flight
 * @max_retries: timer retries before a request is failed with -EBUSY
 *
 * Return: 0, or -ENOMEM with nothing left allocated.
 */
int tagblk_init(struct tagblk_dev *dev, unsigned int depth,
		unsigned int max_retries)
{
	int ret;

	dev->depth = depth;
	dev->max_retries = max_retries;
	spin_lock_init(&dev->requeue_lock);
	INIT_LIST_HEAD(&dev->requeue);
	atomic_long_set(&dev->nr_issued, 0);
	atomic_long_set(&dev->nr_requeued, 0);
	atomic_long_set(&dev->nr_failed, 0);
	atomic_long_set(&dev->nr_completed, 0);

	dev->inflight = kcalloc(depth, sizeof(*dev->inflight), GFP_KERNEL);
	if (!dev->inflight)
		return -ENOMEM;
	ret = tagblk_tags_init(&dev->tags, depth);
	if (ret) {
		kfree(dev->inflight);
		return ret;
	}
	return 0;
}

/**
 * tagblk_exit() - tear a device down; nothing may be in flight
 * @dev: the device
 */
void tagblk_exit(struct tagblk_dev *dev)
{
	tagblk_tags_exit(&dev->tags);
	kfree(dev->inflight);
}

static void tagblk_issue(struct tagblk_dev *dev, struct tagblk_request *rq,
			 int tag)
{
	WRITE_ONCE(dev->inflight[tag], rq);
	atomic_long_inc(&dev->nr_issued);
	dev->issue(dev, tag);
}

static void tagblk_end(struct tagblk_dev *dev, struct tagblk_request *rq,
		       int status)
{
	if (status)
		atomic_long_inc(&dev->nr_failed);
	else
		atomic_long_inc(&dev->nr_completed);
	rq->end_io(rq, status);
}

/**
 * tagblk_submit() - issue a request from process context, sleeping for a tag
 * @dev: the device
 * @rq: the request
 *
 * Return: 0 when issued; an error when no tag could be had even sleeping
 * (the request is then completed with that error).
 */
int tagblk_submit(struct tagblk_dev *dev, struct tagblk_request *rq)
{
	int tag;

	might_sleep();
	tag = tagblk_tag_get(&dev->tags, true);
	if (tag < 0) {
		tagblk_end(dev, rq, tag);
		return tag;
	}
	rq->cmd = kmalloc(TAGBLK_CMD_SIZE, GFP_NOIO);
	if (!rq->cmd) {
		tagblk_tag_put(&dev->tags, tag);
		tagblk_end(dev, rq, -ENOMEM);
		return -ENOMEM;
	}
	tagblk_issue(dev, rq, tag);
	return 0;
}

static void tagblk_requeue(struct tagblk_dev *dev, struct tagblk_request *rq)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->requeue_lock, flags);
	list_add_tail(&rq->queue, &dev->requeue);
	spin_unlock_irqrestore(&dev->requeue_lock, flags);
	atomic_long_inc(&dev->nr_requeued);
}

/* One non-sleeping try; false when the request had to wait again. */
static bool tagblk_try(struct tagblk_dev *dev, struct tagblk_request *rq)
{
	int tag = tagblk_tag_get(&dev->tags, false);

	if (tag >= 0) {
		rq->cmd = kmalloc(TAGBLK_CMD_SIZE, GFP_ATOMIC);
		if (rq->cmd) {
			tagblk_issue(dev, rq, tag);
			return true;
		}
		/* no memory now: like no tag, a later try may have both */
		tagblk_tag_put(&dev->tags, tag);
	}
	if (++rq->retries > dev->max_retries) {
		tagblk_end(dev, rq, -EBUSY);
		return true;
	}
	return false;
}

/**
 * tagblk_submit_atomic() - issue a request from a timer or softirq
 * @dev: the device
 * @rq: the request
 *
 * Never sleeps: without a tag the request waits on the requeue list.
 */
void tagblk_submit_atomic(struct tagblk_dev *dev, struct tagblk_request *rq)
{
	rq->retries = 0;
	if (!tagblk_try(dev, rq))
		tagblk_requeue(dev, rq);
}

/**
 * tagblk_run_requeue() - the timer: retry what waits, oldest first
 * @dev: the device
 *
 * Stops at the first request that still finds no tag (backing off until the
 * next run), keeping the order of the rest.
 */
void tagblk_run_requeue(struct tagblk_dev *dev)
{
	struct tagblk_request *rq;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&dev->requeue_lock, flags);
		rq = list_first_entry_or_null(&dev->requeue,
					      struct tagblk_request, queue);
		if (rq)
			list_del_init(&rq->queue);
		spin_unlock_irqrestore(&dev->requeue_lock, flags);
		if (!rq)
			return;
		if (!tagblk_try(dev, rq)) {
			spin_lock_irqsave(&dev->requeue_lock, flags);
			list_add(&rq->queue, &dev->requeue);
			spin_unlock_irqrestore(&dev->requeue_lock, flags);
			return;
		}
	}
}

/**
 * tagblk_complete() - the completion interrupt for @tag
 * @dev: the device
 * @tag: the tag the hardware finished
 */
void tagblk_complete(struct tagblk_dev *dev, unsigned int tag)
{
	struct tagblk_request *rq = READ_ONCE(dev->inflight[tag]);

	BUG_ON(tag >= dev->depth || !rq);
	WRITE_ONCE(dev->inflight[tag], NULL);
	kfree(rq->cmd);
	rq->cmd = NULL;
	tagblk_tag_put(&dev->tags, tag);
	tagblk_end(dev, rq, 0);
}
