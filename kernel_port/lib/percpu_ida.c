// SPDX-License-Identifier: GPL-2.0
/*
 * percpu_ida, design A: a lock per CPU cache.
 *
 * Written for this project from spec/percpu_ida.md.  Every CPU caches up to
 * percpu_max_size free tags on a stack guarded by its own spinlock.  The
 * pool keeps the remaining free tags on a global stack under pool->lock and
 * moves them percpu_batch_size at a time.  With the global stack empty, a CPU
 * takes another CPU's whole cache, so tags parked on an idle or offline CPU
 * come back without any hotplug hook.
 *
 * Locking: pool->lock nests outside a cache lock, never the reverse; the
 * free path never holds both.  Every entry point runs with irqs off while it
 * touches a cache, so all of them may be called from interrupts, as long as
 * the caller does not ask to sleep.
 */
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/spinlock.h>
#include <linux/percpu_ida.h>

struct percpu_ida_cpu {
	spinlock_t			lock;	/* thieves take it too */
	unsigned int			nr_free;
	unsigned int			freelist[];
};

/* Move the top @count entries of one tag stack onto another. */
static void pida_transfer(unsigned int *to, unsigned int *to_nr,
			  unsigned int *from, unsigned int *from_nr,
			  unsigned int count)
{
	*from_nr -= count;
	memcpy(&to[*to_nr], &from[*from_nr], count * sizeof(*to));
	*to_nr += count;
}

static int pida_pop_locked(struct percpu_ida_cpu *cache)
{
	if (!cache->nr_free)
		return -ENOSPC;
	return cache->freelist[--cache->nr_free];
}

/* Fast path: irqs are off, only our own cache is touched. */
static int pida_pop_local(struct percpu_ida_cpu *cache)
{
	int tag;

	spin_lock(&cache->lock);
	tag = pida_pop_locked(cache);
	spin_unlock(&cache->lock);
	return tag;
}

/*
 * Empty one victim's cache into ours.  Called under pool->lock with irqs off
 * when our cache and the global stack are both empty.  We visit at most as
 * many CPUs as have their bit set, round-robin from where the last theft
 * stopped, and clear each bit as we pass (a thief leaves nothing behind).
 */
static void pida_steal(struct percpu_ida *pool, struct percpu_ida_cpu *cache)
{
	unsigned int tries = cpumask_weight(&pool->cpus_have_tags);
	unsigned int victim_cpu = pool->cpu_last_stolen;
	struct percpu_ida_cpu *victim;

	while (tries--) {
		victim_cpu = cpumask_next(victim_cpu, &pool->cpus_have_tags);
		if (victim_cpu >= nr_cpu_ids)
			victim_cpu = cpumask_first(&pool->cpus_have_tags);
		/* the weight said a bit was set; nobody clears bits but us */
		BUG_ON(victim_cpu >= nr_cpu_ids);

		pool->cpu_last_stolen = victim_cpu;
		cpumask_clear_cpu(victim_cpu, &pool->cpus_have_tags);

		victim = per_cpu_ptr(pool->tag_cpu, victim_cpu);
		if (victim == cache)
			continue;

		spin_lock(&victim->lock);
		pida_transfer(cache->freelist, &cache->nr_free,
			      victim->freelist, &victim->nr_free,
			      victim->nr_free);
		spin_unlock(&victim->lock);

		if (cache->nr_free)
			return;
	}
}

/* Under pool->lock, irqs off: find tags for an empty cache and take one. */
static int pida_alloc_global(struct percpu_ida *pool,
			     struct percpu_ida_cpu *cache)
{
	int tag;

	if (!cache->nr_free)
		pida_transfer(cache->freelist, &cache->nr_free,
			      pool->freelist, &pool->nr_free,
			      min(pool->nr_free, pool->percpu_batch_size));
	if (!cache->nr_free)
		pida_steal(pool, cache);

	tag = pida_pop_locked(cache);
	if (tag >= 0 && cache->nr_free)
		cpumask_set_cpu(smp_processor_id(), &pool->cpus_have_tags);
	return tag;
}

/**
 * percpu_ida_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING never sleeps; TASK_UNINTERRUPTIBLE and
 *	TASK_INTERRUPTIBLE wait for a free tag in that task state
 *
 * A caller that does not sleep may be refused while free tags sit in other
 * CPUs' caches (up to percpu_max_size - 1 each); a sleeping caller is not.
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
		/*
		 * Get on the wait queue before searching: a free elsewhere
		 * that lands after our search then still finds us to wake.
		 */
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

		/* the task may wake up on a different CPU */
		local_irq_save(flags);
		cache = this_cpu_ptr(pool->tag_cpu);
	}

	if (state != TASK_RUNNING)
		finish_wait(&pool->wait, &wait);
	return tag;
}
EXPORT_SYMBOL_GPL(percpu_ida_alloc);

/* Our cache just filled up: hand a batch back, unless a thief beat us. */
static void pida_spill(struct percpu_ida *pool, struct percpu_ida_cpu *cache)
{
	spin_lock(&pool->lock);
	if (cache->nr_free == pool->percpu_max_size) {
		pida_transfer(pool->freelist, &pool->nr_free,
			      cache->freelist, &cache->nr_free,
			      pool->percpu_batch_size);
		wake_up(&pool->wait);
	}
	spin_unlock(&pool->lock);
}

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

	spin_lock(&cache->lock);
	cache->freelist[cache->nr_free++] = tag;
	count = cache->nr_free;
	spin_unlock(&cache->lock);

	/* first tag in an empty cache: advertise it, and wake a sleeper */
	if (count == 1) {
		cpumask_set_cpu(smp_processor_id(), &pool->cpus_have_tags);
		wake_up(&pool->wait);
	}
	if (count == pool->percpu_max_size)
		pida_spill(pool, cache);

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
	size_t cache_bytes;
	unsigned int cpu, tag;

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

	pool->freelist = (void *)__get_free_pages(GFP_KERNEL,
			get_order(nr_tags * sizeof(unsigned int)));
	if (!pool->freelist)
		return -ENOMEM;
	for (tag = 0; tag < nr_tags; tag++)
		pool->freelist[tag] = tag;
	pool->nr_free = nr_tags;

	cache_bytes = sizeof(struct percpu_ida_cpu) +
		      max_size * sizeof(unsigned int);
	pool->tag_cpu = __alloc_percpu(cache_bytes, sizeof(unsigned int));
	if (!pool->tag_cpu) {
		percpu_ida_destroy(pool);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(pool->tag_cpu, cpu)->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(__percpu_ida_init);

static int pida_walk(unsigned int *stack, unsigned int count,
		     percpu_ida_cb fn, void *data)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < count && !ret; i++)
		ret = fn(stack[i], data);
	return ret;
}

/**
 * percpu_ida_for_each_free() - call @fn for each free tag
 * @pool: the pool
 * @fn: called with each tag and @data; a non-zero return stops the walk
 * @data: passed to @fn
 *
 * Each cache is read under its lock and then the global stack, one after
 * the other, so with allocations running concurrently the result is not a
 * snapshot: a tag can be missed or seen twice.  At a quiescent point it is
 * exactly the free set.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int percpu_ida_for_each_free(struct percpu_ida *pool, percpu_ida_cb fn,
			     void *data)
{
	struct percpu_ida_cpu *cache;
	unsigned long flags;
	unsigned int cpu;
	int ret = 0;

	local_irq_save(flags);
	for_each_possible_cpu(cpu) {
		cache = per_cpu_ptr(pool->tag_cpu, cpu);
		spin_lock(&cache->lock);
		ret = pida_walk(cache->freelist, cache->nr_free, fn, data);
		spin_unlock(&cache->lock);
		if (ret)
			goto out;
	}
	spin_lock(&pool->lock);
	ret = pida_walk(pool->freelist, pool->nr_free, fn, data);
	spin_unlock(&pool->lock);
out:
	local_irq_restore(flags);
	return ret;
}
EXPORT_SYMBOL_GPL(percpu_ida_for_each_free);

/**
 * percpu_ida_free_tags() - how many free tags a CPU caches, or the pool holds
 * @pool: the pool
 * @cpu: a CPU, or nr_cpu_ids for the global stack
 *
 * Return: the count at the moment of reading; it may change at once.
 */
unsigned int percpu_ida_free_tags(struct percpu_ida *pool, int cpu)
{
	/* a snapshot by design: racing with the lock holders is intended */
	if (cpu == nr_cpu_ids)
		return data_race(READ_ONCE(pool->nr_free));
	return data_race(READ_ONCE(per_cpu_ptr(pool->tag_cpu, cpu)->nr_free));
}
EXPORT_SYMBOL_GPL(percpu_ida_free_tags);
