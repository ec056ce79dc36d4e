// SPDX-License-Identifier: GPL-2.0
/*
 * sbitmap_tags: the allocator that replaced percpu_ida in blk-mq, driven as
 * blk-mq drives it.
 *
 * Written for this project from spec/baselines.md.  A sleeper queues on one
 * of the sbitmap_queue's wait queues, moving to the next one each time it is
 * woken without a tag; wakeups come wake_batch frees at a time.
 *
 * The same file drives an upstream lib/sbitmap.c of any era, as blk-mq of
 * that era did (SBITMAP_SRC=): SBITMAP_UPSTREAM selects the upstream calls
 * (sbitmap_queue_init_node(), sbitmap_for_each_set()), SBQ_WAIT_COUNTED the
 * counted waits of 5.0 on (sbitmap_prepare_to_wait()) over plain exclusive
 * waits on the queue's wait_queue_head.  torture/sbitmap_shape.py reads
 * which from the header.
 */
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sbitmap_tags.h>

#if !defined(SBITMAP_UPSTREAM) || defined(SBQ_WAIT_COUNTED)
#define sbt_wait_entry(name)		DEFINE_SBQ_WAIT(name)
#define sbt_prepare(pool, ws, w, state)	sbitmap_prepare_to_wait(&(pool)->sbq, ws, w, state)
#define sbt_finish(pool, ws, w)		sbitmap_finish_wait(&(pool)->sbq, ws, w)
#else
/* before 5.0: the waiter queues on the wait queue itself, uncounted */
#define sbt_wait_entry(name)		DEFINE_WAIT(name)
#define sbt_prepare(pool, ws, w, state)	prepare_to_wait_exclusive(&(ws)->wait, w, state)
#define sbt_finish(pool, ws, w)		finish_wait(&(ws)->wait, w)
#endif

static int sbitmap_tags_wait(struct sbitmap_tags *pool, int state)
{
	struct sbq_wait_state *ws = sbq_wait_ptr(&pool->sbq, &pool->wait_index);
	sbt_wait_entry(wait);
	int tag;

	for (;;) {
		sbt_prepare(pool, ws, &wait, state);
		tag = __sbitmap_queue_get(&pool->sbq);
		if (tag >= 0)
			break;
		if (signal_pending_state(state, current)) {
			tag = -ERESTARTSYS;
			break;
		}
		schedule();
		sbt_finish(pool, ws, &wait);
		ws = sbq_wait_ptr(&pool->sbq, &pool->wait_index);
	}
	sbt_finish(pool, ws, &wait);
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
#ifdef SBITMAP_UPSTREAM
/*
 * Upstream walks only the busy bits, in order: the free tags are the gaps
 * between them, which takes no memory (a check must not be failed by an
 * allocation).
 */
struct sbt_gaps {
	tag_pool_cb fn;
	void *data;
	unsigned int next;	/* the first tag not yet accounted for */
	int ret;
};

static bool sbt_gap(struct sbitmap *sb, unsigned int busy, void *arg)
{
	struct sbt_gaps *g = arg;

	while (g->next < busy && !g->ret)
		g->ret = g->fn(g->next++, g->data);
	g->next = busy + 1;
	return !g->ret;
}

int sbitmap_tags_for_each_free(struct sbitmap_tags *pool, tag_pool_cb fn,
			       void *data)
{
	struct sbt_gaps g = { .fn = fn, .data = data };

	sbitmap_for_each_set(&pool->sbq.sb, sbt_gap, &g);
	while (g.next < pool->nr_tags && !g.ret)
		g.ret = fn(g.next++, data);
	return g.ret;
}

static bool sbt_count(struct sbitmap *sb, unsigned int busy, void *arg)
{
	(*(unsigned int *)arg)++;
	return true;
}

static unsigned int sbt_busy(struct sbitmap_tags *pool)
{
	unsigned int busy = 0;

	sbitmap_for_each_set(&pool->sbq.sb, sbt_count, &busy);
	return busy;
}
#else
int sbitmap_tags_for_each_free(struct sbitmap_tags *pool, tag_pool_cb fn,
			       void *data)
{
	return sbitmap_for_each_clear(&pool->sbq.sb, fn, data);
}

static unsigned int sbt_busy(struct sbitmap_tags *pool)
{
	return sbitmap_weight(&pool->sbq.sb);
}
#endif
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
	return pool->nr_tags - sbt_busy(pool);
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
#ifdef SBITMAP_UPSTREAM
	return sbitmap_queue_init_node(&pool->sbq, nr_tags, -1, false,
				       GFP_KERNEL, NUMA_NO_NODE);
#else
	return sbitmap_queue_init(&pool->sbq, nr_tags, -1, GFP_KERNEL);
#endif
}
EXPORT_SYMBOL_GPL(sbitmap_tags_init);
