// SPDX-License-Identifier: GPL-2.0
/*
 * sbitmap_tags: the allocator that replaced percpu_ida in blk-mq, driven as
 * blk-mq drives it.
 *
 * Written for this project from spec/baselines.md.  A sleeper queues on one
 * of the sbitmap_queue's wait queues, moving to the next one each time it is
 * woken without a tag; wakeups come wake_batch frees at a time.
 */
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sbitmap_tags.h>

static int sbitmap_tags_wait(struct sbitmap_tags *pool, int state)
{
	struct sbq_wait_state *ws = sbq_wait_ptr(&pool->sbq, &pool->wait_index);
	DEFINE_SBQ_WAIT(wait);
	int tag;

	for (;;) {
		sbitmap_prepare_to_wait(&pool->sbq, ws, &wait, state);
		tag = __sbitmap_queue_get(&pool->sbq);
		if (tag >= 0)
			break;
		if (signal_pending_state(state, current)) {
			tag = -ERESTARTSYS;
			break;
		}
		schedule();
		sbitmap_finish_wait(&pool->sbq, ws, &wait);
		ws = sbq_wait_ptr(&pool->sbq, &pool->wait_index);
	}
	sbitmap_finish_wait(&pool->sbq, ws, &wait);
	/* a batch may have counted on us: let everyone look again */
	if (tag == -ERESTARTSYS)
		sbitmap_queue_wake_all(&pool->sbq);
	return tag;
}

/**
 * sbitmap_tags_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING to fail with -ENOSPC, else the state to sleep in
 *
 * Return: a tag, -ENOSPC or -ERESTARTSYS.
 */
int sbitmap_tags_alloc(struct sbitmap_tags *pool, int state)
{
	int tag = __sbitmap_queue_get(&pool->sbq);

	if (tag >= 0)
		return tag;
	if (state == TASK_RUNNING)
		return -ENOSPC;
	return sbitmap_tags_wait(pool, state);
}
EXPORT_SYMBOL_GPL(sbitmap_tags_alloc);

/**
 * sbitmap_tags_free() - free a tag
 * @pool: the pool
 * @tag: a tag sbitmap_tags_alloc() gave out
 *
 * The freeing CPU's hint moves to @tag.
 */
void sbitmap_tags_free(struct sbitmap_tags *pool, unsigned int tag)
{
	BUG_ON(tag >= pool->nr_tags);
	sbitmap_queue_clear(&pool->sbq, tag, raw_smp_processor_id());
}
EXPORT_SYMBOL_GPL(sbitmap_tags_free);

/**
 * sbitmap_tags_for_each_free() - call @fn for each free tag
 * @pool: the pool; exact only when nothing runs meanwhile
 * @fn: non-zero stops the walk
 * @data: its argument
 *
 * Return: what @fn returned last.
 */
int sbitmap_tags_for_each_free(struct sbitmap_tags *pool, tag_pool_cb fn,
			       void *data)
{
	return sbitmap_for_each_clear(&pool->sbq.sb, fn, data);
}
EXPORT_SYMBOL_GPL(sbitmap_tags_for_each_free);

/**
 * sbitmap_tags_free_tags() - how many tags are free
 * @pool: the pool
 * @cpu: nr_cpu_ids for the pool; no CPU caches any
 */
unsigned int sbitmap_tags_free_tags(struct sbitmap_tags *pool, int cpu)
{
	if (cpu != nr_cpu_ids)
		return 0;
	return pool->nr_tags - sbitmap_weight(&pool->sbq.sb);
}
EXPORT_SYMBOL_GPL(sbitmap_tags_free_tags);

/**
 * sbitmap_tags_wake_slack() - free tags a sleeper may wait with
 * @pool: the pool
 *
 * Frees wake waiters wake_batch at a time: until the batch is complete, a
 * sleeper waits while up to wake_batch - 1 tags are free.
 */
unsigned int sbitmap_tags_wake_slack(struct sbitmap_tags *pool)
{
	return pool->sbq.wake_batch - 1;
}
EXPORT_SYMBOL_GPL(sbitmap_tags_wake_slack);

/**
 * sbitmap_tags_destroy() - free the pool's memory
 * @pool: the pool
 */
void sbitmap_tags_destroy(struct sbitmap_tags *pool)
{
	sbitmap_queue_free(&pool->sbq);
}
EXPORT_SYMBOL_GPL(sbitmap_tags_destroy);

/**
 * sbitmap_tags_init() - set up a pool of @nr_tags free tags
 * @pool: the pool
 * @nr_tags: at most INT_MAX + 1
 * @max_size: unused: nothing is cached per CPU
 * @batch_size: unused; the wake batch follows from @nr_tags
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int sbitmap_tags_init(struct sbitmap_tags *pool, unsigned long nr_tags,
		      unsigned long max_size, unsigned long batch_size)
{
	int err = tag_pool_check_size("sbitmap_tags", nr_tags);

	memset(pool, 0, sizeof(*pool));
	if (err)
		return err;
	pool->nr_tags = nr_tags;
	return sbitmap_queue_init(&pool->sbq, nr_tags, -1, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(sbitmap_tags_init);
