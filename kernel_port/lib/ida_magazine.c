// SPDX-License-Identifier: GPL-2.0
/*
 * ida_mag: an ida behind per-cpu magazines, the design the percpu_ida
 * review suggested instead.
 *
 * Written for this project from spec/baselines.md, after Bonwick and Adams,
 * "Magazines and Vmem" (USENIX 2001).  Each CPU holds a loaded and a
 * previous magazine of up to mag_size tags, the previous one always full or
 * empty.  Alloc pops the loaded magazine, swaps in the previous one when the
 * loaded one is empty, then trades its empty magazine for a full one from
 * the depot, and only then takes an id from the ida.  Free is the mirror
 * image, trading a full magazine for an empty one, and gives the id back to
 * the ida when the depot has no empty magazine.  With the depot and the ida
 * both empty, a CPU empties another CPU's magazines back into the ida: tags
 * parked on an idle or offline CPU are not lost.
 *
 * Locking: a CPU's lock nests outside depot_lock and ida_lock; no path holds
 * two CPUs' locks.  Everything runs with irqs off, so alloc and free may be
 * called from interrupts, as long as the caller does not ask to sleep.
 */
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/ida_magazine.h>

struct tag_magazine {
	struct tag_magazine	*next;		/* in the depot */
	unsigned int		rounds;
	unsigned int		tags[];
};

struct ida_mag_cpu {
	spinlock_t		lock;		/* thieves take it too */
	struct tag_magazine	*loaded;
	struct tag_magazine	*previous;
};

static size_t ida_mag_bytes(unsigned int mag_size)
{
	return ALIGN(sizeof(struct tag_magazine) +
		     mag_size * sizeof(unsigned int), sizeof(void *));
}

static void depot_push(struct tag_magazine **list, struct tag_magazine *mag)
{
	mag->next = *list;
	*list = mag;
}

static struct tag_magazine *depot_pop(struct tag_magazine **list)
{
	struct tag_magazine *mag = *list;

	if (mag)
		*list = mag->next;
	return mag;
}

/* Our CPU's lock held: a tag from our magazines or the depot. */
static int ida_mag_pop(struct ida_mag *pool, struct ida_mag_cpu *c)
{
	struct tag_magazine *full;

	if (!c->loaded->rounds && c->previous->rounds)
		swap(c->loaded, c->previous);
	if (!c->loaded->rounds) {
		spin_lock(&pool->depot_lock);
		full = depot_pop(&pool->full);
		if (full) {
			pool->nr_full--;
			depot_push(&pool->empty, c->previous);
			c->previous = c->loaded;
			c->loaded = full;
		}
		spin_unlock(&pool->depot_lock);
		if (!full)
			return -ENOSPC;
	}
	return c->loaded->tags[--c->loaded->rounds];
}

/* Our CPU's lock held: put @tag in our magazines; false if the depot is out of empties. */
static bool ida_mag_push(struct ida_mag *pool, struct ida_mag_cpu *c,
			 unsigned int tag)
{
	struct tag_magazine *empty;

	if (c->loaded->rounds == pool->mag_size && !c->previous->rounds)
		swap(c->loaded, c->previous);
	if (c->loaded->rounds == pool->mag_size) {
		spin_lock(&pool->depot_lock);
		empty = depot_pop(&pool->empty);
		if (empty) {
			depot_push(&pool->full, c->previous);
			pool->nr_full++;
			c->previous = c->loaded;
			c->loaded = empty;
		}
		spin_unlock(&pool->depot_lock);
		if (!empty)
			return false;
	}
	c->loaded->tags[c->loaded->rounds++] = tag;
	return true;
}

/* An id from the ida, if fewer than nr_tags are out. */
static int ida_mag_get_id(struct ida_mag *pool)
{
	int id, err;

	do {
		if (!ida_pre_get(&pool->ida, GFP_NOWAIT))
			return -ENOMEM;
		spin_lock(&pool->ida_lock);
		err = -ENOSPC;
		if (pool->nr_busy < pool->nr_tags)
			err = ida_get_new_above(&pool->ida, 0, &id);
		if (!err)
			pool->nr_busy++;
		spin_unlock(&pool->ida_lock);
	} while (err == -EAGAIN);
	return err ? err : id;
}

/* Give back to the ida the tags of @mag.  ida_lock held. */
static void ida_mag_unload(struct ida_mag *pool, struct tag_magazine *mag)
{
	while (mag->rounds) {
		ida_remove(&pool->ida, mag->tags[--mag->rounds]);
		pool->nr_busy--;
	}
}

/*
 * Empty the magazines of the next CPU that has any back into the ida,
 * round-robin from where the last theft stopped.  Irqs off, no CPU lock held.
 */
static void ida_mag_steal(struct ida_mag *pool)
{
	unsigned int cpu = READ_ONCE(pool->cpu_last_stolen);

	for (unsigned int tries = 0; tries < nr_cpu_ids; tries++) {
		struct ida_mag_cpu *victim;
		bool found;

		cpu = cpu + 1 < nr_cpu_ids ? cpu + 1 : 0;
		victim = per_cpu_ptr(pool->cpus, cpu);
		spin_lock(&victim->lock);
		found = victim->loaded->rounds || victim->previous->rounds;
		if (found) {
			spin_lock(&pool->ida_lock);
			ida_mag_unload(pool, victim->loaded);
			ida_mag_unload(pool, victim->previous);
			pool->cpu_last_stolen = cpu;
			spin_unlock(&pool->ida_lock);
		}
		spin_unlock(&victim->lock);
		if (found)
			return;
	}
}

static int ida_mag_get(void *data)
{
	struct ida_mag *pool = data;
	struct ida_mag_cpu *c;
	unsigned long flags;
	int tag;

	local_irq_save(flags);
	c = this_cpu_ptr(pool->cpus);
	spin_lock(&c->lock);
	tag = ida_mag_pop(pool, c);
	spin_unlock(&c->lock);
	if (tag == -ENOSPC)
		tag = ida_mag_get_id(pool);
	if (tag == -ENOSPC) {
		ida_mag_steal(pool);
		tag = ida_mag_get_id(pool);
	}
	local_irq_restore(flags);
	return tag;
}

/**
 * ida_mag_alloc() - allocate a tag
 * @pool: the pool
 * @state: TASK_RUNNING to fail with -ENOSPC, else the state to sleep in
 *
 * Return: a tag; -ENOSPC, -ERESTARTSYS, or -ENOMEM when the ida's spare
 * nodes could not be had.
 */
int ida_mag_alloc(struct ida_mag *pool, int state)
{
	return tag_pool_alloc(ida_mag_get(pool), &pool->wait, state,
			      ida_mag_get, pool);
}
EXPORT_SYMBOL_GPL(ida_mag_alloc);

/**
 * ida_mag_free() - free a tag
 * @pool: the pool
 * @tag: a tag ida_mag_alloc() gave out
 */
void ida_mag_free(struct ida_mag *pool, unsigned int tag)
{
	struct ida_mag_cpu *c;
	unsigned long flags;
	bool cached;

	BUG_ON(tag >= pool->nr_tags);
	local_irq_save(flags);
	c = this_cpu_ptr(pool->cpus);
	spin_lock(&c->lock);
	cached = ida_mag_push(pool, c, tag);
	spin_unlock(&c->lock);
	if (!cached) {
		spin_lock(&pool->ida_lock);
		ida_remove(&pool->ida, tag);
		pool->nr_busy--;
		spin_unlock(&pool->ida_lock);
	}
	local_irq_restore(flags);
	tag_pool_wake(&pool->wait);
}
EXPORT_SYMBOL_GPL(ida_mag_free);

static int ida_mag_walk(struct tag_magazine *mag, tag_pool_cb fn, void *data)
{
	int ret = 0;

	for (unsigned int i = 0; i < mag->rounds && !ret; i++)
		ret = fn(mag->tags[i], data);
	return ret;
}

/**
 * ida_mag_for_each_free() - call @fn for each free tag
 * @pool: the pool
 * @fn: called under a lock, irqs off; non-zero stops the walk
 * @data: its argument
 *
 * Each CPU's magazines, the depot and the ida are walked in turn, each under
 * its own lock: exact only when nothing runs meanwhile.
 *
 * Return: what @fn returned last.
 */
int ida_mag_for_each_free(struct ida_mag *pool, tag_pool_cb fn, void *data)
{
	struct tag_magazine *mag;
	unsigned long flags;
	unsigned int cpu;
	int id, ret = 0;

	local_irq_save(flags);
	for_each_possible_cpu(cpu) {
		struct ida_mag_cpu *c = per_cpu_ptr(pool->cpus, cpu);

		spin_lock(&c->lock);
		ret = ida_mag_walk(c->loaded, fn, data);
		if (!ret)
			ret = ida_mag_walk(c->previous, fn, data);
		spin_unlock(&c->lock);
		if (ret)
			goto out;
	}
	spin_lock(&pool->depot_lock);
	for (mag = pool->full; mag && !ret; mag = mag->next)
		ret = ida_mag_walk(mag, fn, data);
	spin_unlock(&pool->depot_lock);
	if (ret)
		goto out;
	spin_lock(&pool->ida_lock);
	for (id = ida_next_free(&pool->ida, 0); id < pool->nr_tags && !ret;
	     id = ida_next_free(&pool->ida, id + 1))
		ret = fn(id, data);
	spin_unlock(&pool->ida_lock);
out:
	local_irq_restore(flags);
	return ret;
}
EXPORT_SYMBOL_GPL(ida_mag_for_each_free);

/**
 * ida_mag_free_tags() - free tags in @cpu's magazines, or outside them
 * @pool: the pool
 * @cpu: a CPU, or nr_cpu_ids for the depot and the ida together
 */
unsigned int ida_mag_free_tags(struct ida_mag *pool, int cpu)
{
	struct ida_mag_cpu *c;

	if (cpu == nr_cpu_ids)
		return READ_ONCE(pool->nr_full) * pool->mag_size +
		       pool->nr_tags - READ_ONCE(pool->nr_busy);
	c = per_cpu_ptr(pool->cpus, cpu);
	return READ_ONCE(c->loaded->rounds) + READ_ONCE(c->previous->rounds);
}
EXPORT_SYMBOL_GPL(ida_mag_free_tags);

/**
 * ida_mag_destroy() - free the pool's memory
 * @pool: the pool
 */
void ida_mag_destroy(struct ida_mag *pool)
{
	free_percpu(pool->cpus);
	kvfree(pool->magazines);
	ida_destroy(&pool->ida);
	pool->cpus = NULL;
	pool->magazines = NULL;
}
EXPORT_SYMBOL_GPL(ida_mag_destroy);

/* Two magazines for each CPU, the rest empty in the depot. */
static void ida_mag_hand_out(struct ida_mag *pool, unsigned int nr_mags)
{
	size_t bytes = ida_mag_bytes(pool->mag_size);
	unsigned int cpu, i = 0;

	for_each_possible_cpu(cpu) {
		struct ida_mag_cpu *c = per_cpu_ptr(pool->cpus, cpu);

		spin_lock_init(&c->lock);
		c->loaded = pool->magazines + bytes * i++;
		c->previous = pool->magazines + bytes * i++;
	}
	for (; i < nr_mags; i++)
		depot_push(&pool->empty, pool->magazines + bytes * i);
}

/**
 * ida_mag_init() - set up a pool of @nr_tags free tags
 * @pool: the pool
 * @nr_tags: at most INT_MAX + 1
 * @max_size: unused: a CPU holds two magazines
 * @batch_size: tags per magazine; 0 for IDA_MAG_DEFAULT_SIZE
 *
 * The depot starts with as many empty magazines as the CPUs hold, and never
 * gets more: past that, frees go to the ida.
 *
 * Return: 0, -EINVAL or -ENOMEM, with nothing left allocated.
 */
int ida_mag_init(struct ida_mag *pool, unsigned long nr_tags,
		 unsigned long max_size, unsigned long batch_size)
{
	int err = tag_pool_check_size("ida_mag", nr_tags);
	unsigned int nr_mags = 4 * nr_cpu_ids;

	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->depot_lock);
	spin_lock_init(&pool->ida_lock);
	init_waitqueue_head(&pool->wait);
	ida_init(&pool->ida);
	if (err)
		return err;
	pool->nr_tags = nr_tags;
	pool->mag_size = batch_size ?: IDA_MAG_DEFAULT_SIZE;
	pool->cpus = alloc_percpu(struct ida_mag_cpu);
	pool->magazines = kvzalloc(nr_mags * ida_mag_bytes(pool->mag_size),
				   GFP_KERNEL);
	if (!pool->cpus || !pool->magazines ||
	    !ida_pre_get(&pool->ida, GFP_KERNEL)) {
		ida_mag_destroy(pool);
		return -ENOMEM;
	}
	ida_mag_hand_out(pool, nr_mags);
	return 0;
}
EXPORT_SYMBOL_GPL(ida_mag_init);
