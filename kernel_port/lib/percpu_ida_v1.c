// SPDX-License-Identifier: GPL-2.0
/*
 * percpu_ida, design B: the June 2013 posting, with lockless CPU caches.
 *
 * Written for this project from spec/percpu_ida.md.  A cache has no lock:
 * its owner pushes and pops with cmpxchg on nr_free, with irqs off, so the
 * only other party is a thief.  A thief (holding pool->lock, so there is one
 * at a time) claims a whole cache by swapping TAG_CPU_STEALING into nr_free,
 * copies the tags out, and releases the cache by storing 0.  The owner
 * backs off while it sees the sentinel: its pops go to the slow path, its
 * pushes wait.
 *
 * Everything else is as in design A: a global stack under pool->lock, batch
 * moves, one wait queue, a CPU bitmap of caches that may hold tags.
 */
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/spinlock.h>
#include <asm/cmpxchg.h>
#include <linux/percpu_ida_v1.h>

#define TAG_CPU_STEALING	UINT_MAX

struct percpu_ida_cpu {
	unsigned int			nr_free;
	unsigned int			freelist[];
};

static void pida_transfer(unsigned int *to, unsigned int *to_nr,
			  unsigned int *from, unsigned int *from_nr,
			  unsigned int count)
{
	*from_nr -= count;
	memcpy(&to[*to_nr], &from[*from_nr], count * sizeof(*to));
	*to_nr += count;
}

/*
 * Owner's pop, irqs off.  A thief may claim the cache between our read of
 * the top entry and the cmpxchg; then the cmpxchg fails and we look again.
 */
static int pida_pop_local(struct percpu_ida_cpu *cache)
{
	unsigned int nr, seen;
	int tag;

	nr = READ_ONCE(cache->nr_free);
	for (;;) {
		if (!nr || nr == TAG_CPU_STEALING)
			return -ENOSPC;
		tag = READ_ONCE(cache->freelist[nr - 1]);
		seen = cmpxchg(&cache->nr_free, nr, nr - 1);
		if (seen == nr)
			return tag;
		nr = seen;
	}
}

/* Owner's push, irqs off.  Returns the new count. */
static unsigned int pida_push_local(struct percpu_ida_cpu *cache,
				    unsigned int tag)
{
	unsigned int nr, seen;

	nr = READ_ONCE(cache->nr_free);
	for (;;) {
		while (nr == TAG_CPU_STEALING) {
			cpu_relax();
			nr = READ_ONCE(cache->nr_free);
		}
		/* the slot must be written before the count that covers it */
		smp_mb();
		WRITE_ONCE(cache->freelist[nr], tag);
		seen = cmpxchg(&cache->nr_free, nr, nr + 1);
		if (seen == nr)
			return nr + 1;
		nr = seen;
	}
}

/*
 * Under pool->lock, irqs off, our cache and the global stack empty: claim
 * another CPU's cache whole.  Our own cache is ours alone here (thieves need
 * pool->lock, and our own free path cannot run with irqs off).
 */
static void pida_steal(struct percpu_ida *pool, struct percpu_ida_cpu *cache)
{
	unsigned int tries = bitmap_weight(pool->cpus_have_tags, nr_cpu_ids);
	unsigned int victim_cpu = pool->cpu_last_stolen;
	struct percpu_ida_cpu *victim;
	unsigned int nr;

	while (tries--) {
		victim_cpu = find_next_bit(pool->cpus_have_tags, nr_cpu_ids,
					   victim_cpu + 1);
		if (victim_cpu >= nr_cpu_ids)
			victim_cpu = find_first_bit(pool->cpus_have_tags,
						    nr_cpu_ids);
		BUG_ON(victim_cpu >= nr_cpu_ids);

		pool->cpu_last_stolen = victim_cpu;
		clear_bit(victim_cpu, pool->cpus_have_tags);

		victim = per_cpu_ptr(pool->tag_cpu, victim_cpu);
		if (victim == cache)
			continue;

		nr = xchg(&victim->nr_free, TAG_CPU_STEALING);
		BUG_ON(nr == TAG_CPU_STEALING);
		memcpy(cache->freelist, victim->freelist, nr * sizeof(unsigned int));
		/* the copy must be complete before the owner may push again */
		smp_mb();
		WRITE_ONCE(victim->nr_free, 0);

		WRITE_ONCE(cache->nr_free, nr);
		if (nr)
			return;
	}
}

static int pida_alloc_global(struct percpu_ida *pool,
			     struct percpu_ida_cpu *cache)
{
	unsigned int nr = READ_ONCE(cache->nr_free);
	int tag = -ENOSPC;

	if (!nr) {
		pida_transfer(cache->freelist, &nr,
			      pool->freelist, &pool->nr_free,
			      min(pool->nr_free, pool->percpu_batch_size));
		WRITE_ONCE(cache->nr_free, nr);
	}
	if (!nr) {
		pida_steal(pool, cache);
		nr = READ_ONCE(cache->nr_free);
	}
	if (nr) {
		tag = cache->freelist[--nr];
		WRITE_ONCE(cache->nr_free, nr);
		if (nr)
			set_bit(smp_processor_id(), pool->cpus_have_tags);
	}
	return tag;
}

/**
 * percpu_ida_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING never sleeps; TASK_UNINTERRUPTIBLE and
 *	TASK_INTERRUPTIBLE wait for a free tag in that task state
 *
 * Context: any context with TASK_RUNNING; process context otherwise.
 * Return: a tag in [0, nr_tags); -ENOSPC when none could be had without
 * sleeping; -ERESTARTSYS when an interruptible wait saw a signal.
 */
int percpu_ida_alloc(struct percpu_ida *pool, int state)
{
	DEFINE_WAIT(wait);
	struct percpu_ida_cpu *cache;
	unsigned long flags;
	int tag;

	local_irq_save(flags);
	cache = this_cpu_ptr(pool->tag_cpu);
	tag = pida_pop_local(cache);
	if (likely(tag >= 0)) {
		local_irq_restore(flags);
		return tag;
	}

	for (;;) {
		spin_lock(&pool->lock);
		if (state != TASK_RUNNING)
			prepare_to_wait(&pool->wait, &wait, state);
		tag = pida_alloc_global(pool, cache);
		spin_unlock(&pool->lock);
		local_irq_restore(flags);

		if (tag >= 0 || state == TASK_RUNNING)
			break;
		if (signal_pending_state(state, current)) {
			tag = -ERESTARTSYS;
			break;
		}
		schedule();

		local_irq_save(flags);
		cache = this_cpu_ptr(pool->tag_cpu);
	}

	if (state != TASK_RUNNING)
		finish_wait(&pool->wait, &wait);
	return tag;
}
EXPORT_SYMBOL_GPL(percpu_ida_alloc);

/**
 * percpu_ida_free() - give a tag back
 * @pool: the pool it came from
 * @tag: the tag; a tag outside [0, nr_tags) is a BUG
 *
 * Context: any context.
 */
void percpu_ida_free(struct percpu_ida *pool, unsigned int tag)
{
	struct percpu_ida_cpu *cache;
	unsigned long flags;
	unsigned int count;

	BUG_ON(tag >= pool->nr_tags);

	local_irq_save(flags);
	cache = this_cpu_ptr(pool->tag_cpu);
	count = pida_push_local(cache, tag);

	if (count == 1) {
		set_bit(smp_processor_id(), pool->cpus_have_tags);
		wake_up(&pool->wait);
	}
	if (count == pool->percpu_max_size) {
		spin_lock(&pool->lock);
		/* no thief can run now, but one may have run before we locked */
		count = READ_ONCE(cache->nr_free);
		if (count == pool->percpu_max_size) {
			pida_transfer(pool->freelist, &pool->nr_free,
				      cache->freelist, &count,
				      pool->percpu_batch_size);
			WRITE_ONCE(cache->nr_free, count);
			wake_up(&pool->wait);
		}
		spin_unlock(&pool->lock);
	}
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(percpu_ida_free);

/**
 * percpu_ida_destroy() - release what __percpu_ida_init() allocated
 * @pool: the pool; no tag may be in use and nobody may be waiting
 */
void percpu_ida_destroy(struct percpu_ida *pool)
{
	free_percpu(pool->tag_cpu);
	kfree(pool->cpus_have_tags);
	free_pages((unsigned long)pool->freelist,
		   get_order(pool->nr_tags * sizeof(unsigned int)));
}
EXPORT_SYMBOL_GPL(percpu_ida_destroy);

/**
 * __percpu_ida_init() - set up a pool with every tag free
 * @pool: the pool
 * @nr_tags: how many tags, at most INT_MAX + 1
 * @max_size: capacity of each CPU's cache
 * @batch_size: tags moved per refill or spill
 *
 * Return: 0; -EINVAL when @nr_tags is too large; -ENOMEM when memory
 * cannot be had, with nothing left allocated.
 */
int __percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags,
		      unsigned long max_size, unsigned long batch_size)
{
	unsigned int tag;

	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->wait);

	if (nr_tags > (unsigned long)INT_MAX + 1) {
		pr_err("percpu_ida: %lu tags are more than a tag can number\n",
		       nr_tags);
		return -EINVAL;
	}
	pool->nr_tags = nr_tags;
	pool->percpu_max_size = max_size;
	pool->percpu_batch_size = batch_size;

	pool->cpus_have_tags = kcalloc(BITS_TO_LONGS(nr_cpu_ids),
				       sizeof(unsigned long), GFP_KERNEL);
	if (!pool->cpus_have_tags)
		return -ENOMEM;

	pool->freelist = (void *)__get_free_pages(GFP_KERNEL,
			get_order(nr_tags * sizeof(unsigned int)));
	if (!pool->freelist)
		goto fail;
	for (tag = 0; tag < nr_tags; tag++)
		pool->freelist[tag] = tag;
	pool->nr_free = nr_tags;

	pool->tag_cpu = __alloc_percpu(sizeof(struct percpu_ida_cpu) +
				       max_size * sizeof(unsigned int),
				       sizeof(unsigned int));
	if (!pool->tag_cpu)
		goto fail;
	return 0;
fail:
	percpu_ida_destroy(pool);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(__percpu_ida_init);

/**
 * percpu_ida_for_each_free() - call @fn for each free tag
 * @pool: the pool
 * @fn: called with each tag and @data; a non-zero return stops the walk
 * @data: passed to @fn
 *
 * Holds pool->lock throughout, which keeps thieves out; a cache's owner can
 * still push and pop, so only a quiescent pool gives an exact answer.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int percpu_ida_for_each_free(struct percpu_ida *pool, percpu_ida_cb fn,
			     void *data)
{
	struct percpu_ida_cpu *cache;
	unsigned long flags;
	unsigned int cpu, i, nr;
	int ret = 0;

	spin_lock_irqsave(&pool->lock, flags);
	for_each_possible_cpu(cpu) {
		cache = per_cpu_ptr(pool->tag_cpu, cpu);
		nr = READ_ONCE(cache->nr_free);
		for (i = 0; i < nr && !ret; i++)
			ret = fn(READ_ONCE(cache->freelist[i]), data);
		if (ret)
			goto out;
	}
	for (i = 0; i < pool->nr_free && !ret; i++)
		ret = fn(pool->freelist[i], data);
out:
	spin_unlock_irqrestore(&pool->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(percpu_ida_for_each_free);

/**
 * percpu_ida_free_tags() - how many free tags a CPU caches, or the pool holds
 * @pool: the pool
 * @cpu: a CPU, or nr_cpu_ids for the global stack
 *
 * Return: the count at the moment of reading (0 while being stolen).
 */
unsigned int percpu_ida_free_tags(struct percpu_ida *pool, int cpu)
{
	unsigned int nr;

	/* a snapshot by design: racing with the lock holders is intended */
	if (cpu == nr_cpu_ids)
		return data_race(READ_ONCE(pool->nr_free));
	nr = READ_ONCE(per_cpu_ptr(pool->tag_cpu, cpu)->nr_free);
	return nr == TAG_CPU_STEALING ? 0 : nr;
}
EXPORT_SYMBOL_GPL(percpu_ida_free_tags);
