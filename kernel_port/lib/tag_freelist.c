// SPDX-License-Identifier: GPL-2.0
/*
 * tag_freelist: every free tag on one stack under one spinlock.
 *
 * Written for this project from spec/baselines.md: the simplest correct tag
 * allocator.  Nothing is cached per CPU, so nothing is ever stranded, and
 * every alloc and free from every CPU meets on the same lock: what the
 * others are measured against under contention.
 */
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tag_freelist.h>

static int tag_freelist_get(void *data)
{
	struct tag_freelist *pool = data;
	unsigned long flags;
	int tag = -ENOSPC;

	spin_lock_irqsave(&pool->lock, flags);
	if (pool->nr_free)
		tag = pool->freelist[--pool->nr_free];
	spin_unlock_irqrestore(&pool->lock, flags);
	return tag;
}

/**
 * tag_freelist_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING to fail with -ENOSPC, else the state to sleep in
 *
 * Return: a tag, -ENOSPC or -ERESTARTSYS.
 */
int tag_freelist_alloc(struct tag_freelist *pool, int state)
{
	return tag_pool_alloc(tag_freelist_get(pool), &pool->wait, state,
			      tag_freelist_get, pool);
}
EXPORT_SYMBOL_GPL(tag_freelist_alloc);

/**
 * tag_freelist_free() - free a tag
 * @pool: the pool
 * @tag: a tag tag_freelist_alloc() gave out
 */
void tag_freelist_free(struct tag_freelist *pool, unsigned int tag)
{
	unsigned long flags;

	BUG_ON(tag >= pool->nr_tags);
	spin_lock_irqsave(&pool->lock, flags);
	pool->freelist[pool->nr_free++] = tag;
	spin_unlock_irqrestore(&pool->lock, flags);
	tag_pool_wake(&pool->wait);
}
EXPORT_SYMBOL_GPL(tag_freelist_free);

/**
 * tag_freelist_for_each_free() - call @fn for each free tag
 * @pool: the pool
 * @fn: called under the pool's lock, irqs off; non-zero stops the walk
 * @data: its argument
 *
 * Return: what @fn returned last.
 */
int tag_freelist_for_each_free(struct tag_freelist *pool, tag_pool_cb fn,
			       void *data)
{
	unsigned long flags;
	unsigned int i;
	int ret = 0;

	spin_lock_irqsave(&pool->lock, flags);
	for (i = 0; i < pool->nr_free && !ret; i++)
		ret = fn(pool->freelist[i], data);
	spin_unlock_irqrestore(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(tag_freelist_for_each_free);

/**
 * tag_freelist_free_tags() - how many tags are free
 * @pool: the pool
 * @cpu: nr_cpu_ids for the pool; no CPU caches any
 */
unsigned int tag_freelist_free_tags(struct tag_freelist *pool, int cpu)
{
	return cpu == nr_cpu_ids ? READ_ONCE(pool->nr_free) : 0;
}
EXPORT_SYMBOL_GPL(tag_freelist_free_tags);

/**
 * tag_freelist_destroy() - free the pool's memory
 * @pool: the pool
 */
void tag_freelist_destroy(struct tag_freelist *pool)
{
	kvfree(pool->freelist);
	pool->freelist = NULL;
}
EXPORT_SYMBOL_GPL(tag_freelist_destroy);

/**
 * tag_freelist_init() - set up a pool of @nr_tags free tags
 * @pool: the pool
 * @nr_tags: at most INT_MAX + 1
 * @max_size: unused: nothing is cached per CPU
 * @batch_size: unused
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int tag_freelist_init(struct tag_freelist *pool, unsigned long nr_tags,
		      unsigned long max_size, unsigned long batch_size)
{
	int err = tag_pool_check_size("tag_freelist", nr_tags);
	unsigned int tag;

	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->wait);
	if (err)
		return err;
	pool->freelist = kvmalloc_array(nr_tags, sizeof(*pool->freelist),
					GFP_KERNEL);
	if (!pool->freelist)
		return -ENOMEM;
	/* lowest tag on top, as the other allocators start */
	for (tag = 0; tag < nr_tags; tag++)
		pool->freelist[tag] = nr_tags - 1 - tag;
	pool->nr_tags = nr_tags;
	pool->nr_free = nr_tags;
	return 0;
}
EXPORT_SYMBOL_GPL(tag_freelist_init);
