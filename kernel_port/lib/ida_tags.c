// SPDX-License-Identifier: GPL-2.0
/*
 * ida_tags: the reviewer's first question, "why not ida_get_new_above()?",
 * as a tag allocator.
 *
 * Written for this project from spec/baselines.md.  Every alloc and free
 * takes the one pool->lock with irqs off, as ida_simple_get() did; every
 * alloc first makes sure the ida has its spare nodes (ida_pre_get()), which
 * may allocate memory: from an interrupt that can fail, and the tag
 * allocator then says -ENOMEM.  Ids are handed out lowest first, so with
 * fewer than nr_tags busy the lowest free id is a tag.
 */
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/ida_tags.h>

static int ida_tags_get(struct ida_tags *pool, gfp_t gfp)
{
	unsigned long flags;
	int id, err;

	do {
		if (!ida_pre_get(&pool->ida, gfp))
			return -ENOMEM;
		spin_lock_irqsave(&pool->lock, flags);
		err = -ENOSPC;
		if (pool->nr_busy < pool->nr_tags)
			err = ida_get_new_above(&pool->ida, 0, &id);
		if (!err)
			pool->nr_busy++;
		spin_unlock_irqrestore(&pool->lock, flags);
	} while (err == -EAGAIN);
	return err ? err : id;
}

/* Inside the wait loop the task is no longer TASK_RUNNING: no sleeping. */
static int ida_tags_get_nowait(void *pool)
{
	return ida_tags_get(pool, GFP_NOWAIT);
}

/**
 * ida_tags_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING to fail with -ENOSPC, else the state to sleep in
 *
 * Return: a tag; -ENOSPC, -ERESTARTSYS, or -ENOMEM when the ida's spare
 * nodes could not be had.
 */
int ida_tags_alloc(struct ida_tags *pool, int state)
{
	/* the first try may sleep for memory, if the caller may sleep */
	int tag = ida_tags_get(pool, state == TASK_RUNNING ? GFP_NOWAIT :
							    GFP_KERNEL);

	return tag_pool_alloc(tag, &pool->wait, state, ida_tags_get_nowait, pool);
}
EXPORT_SYMBOL_GPL(ida_tags_alloc);

/**
 * ida_tags_free() - free a tag
 * @pool: the pool
 * @tag: a tag ida_tags_alloc() gave out
 */
void ida_tags_free(struct ida_tags *pool, unsigned int tag)
{
	unsigned long flags;

	BUG_ON(tag >= pool->nr_tags);
	spin_lock_irqsave(&pool->lock, flags);
	ida_remove(&pool->ida, tag);
	pool->nr_busy--;
	spin_unlock_irqrestore(&pool->lock, flags);
	tag_pool_wake(&pool->wait);
}
EXPORT_SYMBOL_GPL(ida_tags_free);

/**
 * ida_tags_for_each_free() - call @fn for each free tag, lowest first
 * @pool: the pool
 * @fn: called under the pool's lock, irqs off; non-zero stops the walk
 * @data: its argument
 *
 * Return: what @fn returned last.
 */
int ida_tags_for_each_free(struct ida_tags *pool, tag_pool_cb fn, void *data)
{
	unsigned long flags;
	int id, ret = 0;

	spin_lock_irqsave(&pool->lock, flags);
	for (id = ida_next_free(&pool->ida, 0);
	     id < pool->nr_tags && !ret;
	     id = ida_next_free(&pool->ida, id + 1))
		ret = fn(id, data);
	spin_unlock_irqrestore(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(ida_tags_for_each_free);

/**
 * ida_tags_free_tags() - how many tags are free
 * @pool: the pool
 * @cpu: nr_cpu_ids for the pool; no CPU caches any
 */
unsigned int ida_tags_free_tags(struct ida_tags *pool, int cpu)
{
	if (cpu != nr_cpu_ids)
		return 0;
	return pool->nr_tags - READ_ONCE(pool->nr_busy);
}
EXPORT_SYMBOL_GPL(ida_tags_free_tags);

/**
 * ida_tags_destroy() - free the pool's memory
 * @pool: the pool
 */
void ida_tags_destroy(struct ida_tags *pool)
{
	ida_destroy(&pool->ida);
}
EXPORT_SYMBOL_GPL(ida_tags_destroy);

/**
 * ida_tags_init() - set up a pool of @nr_tags free tags
 * @pool: the pool
 * @nr_tags: at most INT_MAX + 1
 * @max_size: unused: nothing is cached per CPU
 * @batch_size: unused
 *
 * The ida's first spare nodes are stocked here, so that the first alloc
 * need not allocate.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int ida_tags_init(struct ida_tags *pool, unsigned long nr_tags,
		  unsigned long max_size, unsigned long batch_size)
{
	int err = tag_pool_check_size("ida_tags", nr_tags);

	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->wait);
	ida_init(&pool->ida);
	if (err)
		return err;
	pool->nr_tags = nr_tags;
	if (!ida_pre_get(&pool->ida, GFP_KERNEL)) {
		ida_destroy(&pool->ida);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ida_tags_init);
