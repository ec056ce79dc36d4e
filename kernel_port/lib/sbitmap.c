// SPDX-License-Identifier: GPL-2.0
/*
 * sbitmap and sbitmap_queue: see <linux/sbitmap.h>.
 *
 * Written for this project from spec/baselines.md.  Nothing is cached per
 * CPU but a search hint, so no tag is ever stranded; the price is that every
 * alloc and free is an atomic on a word other CPUs may share.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sbitmap.h>

static unsigned int sb_word_depth(const struct sbitmap *sb, unsigned int index)
{
	return min(1U << sb->shift, sb->depth - (index << sb->shift));
}

/* Spread small bitmaps over at least four words, as blk-mq wants. */
static unsigned int sb_default_shift(unsigned int depth)
{
	unsigned int shift = ilog2(BITS_PER_LONG);

	if (depth >= 4)
		while (shift && (4U << shift) > depth)
			shift--;
	return shift;
}

/**
 * sbitmap_init() - set up a bitmap of @depth free bits
 * @sb: the bitmap
 * @depth: how many bits
 * @shift: log2 of the bits per word, or -1 for the default
 * @flags: how to allocate
 *
 * Return: 0 or -ENOMEM.
 */
int sbitmap_init(struct sbitmap *sb, unsigned int depth, int shift, gfp_t flags)
{
	sb->shift = shift < 0 ? sb_default_shift(depth) : shift;
	sb->depth = depth;
	sb->map_nr = max(DIV_ROUND_UP(depth, 1U << sb->shift), 1U);
	sb->map = kcalloc(sb->map_nr, sizeof(*sb->map), flags);
	sb->alloc_hint = alloc_percpu_gfp(unsigned int, flags);
	if (!sb->map || !sb->alloc_hint) {
		sbitmap_free(sb);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(sbitmap_init);

/**
 * sbitmap_free() - free the memory of @sb
 * @sb: the bitmap
 */
void sbitmap_free(struct sbitmap *sb)
{
	free_percpu(sb->alloc_hint);
	kfree(sb->map);
	sb->alloc_hint = NULL;
	sb->map = NULL;
}
EXPORT_SYMBOL_GPL(sbitmap_free);

/* Fold the frees of @map back into its busy bits; false if there were none. */
static bool sbitmap_deferred_clear(struct sbitmap_word *map)
{
	unsigned long mask;

	if (!READ_ONCE(map->cleared))
		return false;
	mask = xchg(&map->cleared, 0);
	atomic_long_andnot(mask, (atomic_long_t *)&map->word);
	return true;
}

/* Take a zero bit of @word from @hint up, then below it: its number or -1. */
static int sbitmap_get_word(unsigned long *word, unsigned int depth,
			    unsigned int hint)
{
	bool wrapped = !hint;

	for (;;) {
		unsigned int nr = find_next_zero_bit(word, depth, hint);

		if (nr >= depth) {
			if (wrapped)
				return -1;
			wrapped = true;
			hint = 0;
			continue;
		}
		if (!test_and_set_bit_lock(nr, word))
			return nr;
		hint = nr + 1;
	}
}

static int sbitmap_get_from_word(struct sbitmap_word *map, unsigned int depth,
				 unsigned int hint)
{
	int nr;

	do {
		nr = sbitmap_get_word(&map->word, depth, hint);
	} while (nr < 0 && sbitmap_deferred_clear(map));
	return nr;
}

/**
 * sbitmap_get() - set a free bit, searching from this CPU's hint
 * @sb: the bitmap
 *
 * Every word is tried once, its deferred frees folded in when it looks full.
 *
 * Return: the bit number, or -1 when none is free.
 */
int sbitmap_get(struct sbitmap *sb)
{
	/* below depth: an alloc or a free of a bit in the map wrote it */
	unsigned int hint = READ_ONCE(*raw_cpu_ptr(sb->alloc_hint));
	unsigned int index, bit, i;
	int nr = -1;

	index = hint >> sb->shift;
	bit = hint & ((1U << sb->shift) - 1);
	for (i = 0; i < sb->map_nr; i++) {
		nr = sbitmap_get_from_word(&sb->map[index],
					   sb_word_depth(sb, index), bit);
		if (nr >= 0) {
			nr += index << sb->shift;
			break;
		}
		bit = 0;
		if (++index >= sb->map_nr)
			index = 0;
	}
	/* a hint is only a hint: frees on other CPUs write it too */
	WRITE_ONCE(*raw_cpu_ptr(sb->alloc_hint),
		   nr >= 0 && nr + 1 < sb->depth ? nr + 1 : 0);
	return nr;
}
EXPORT_SYMBOL_GPL(sbitmap_get);

static unsigned long sb_busy(const struct sbitmap_word *map)
{
	return READ_ONCE(map->word) & ~READ_ONCE(map->cleared);
}

/**
 * sbitmap_weight() - how many bits are busy
 * @sb: the bitmap; exact only when nothing runs meanwhile
 */
unsigned int sbitmap_weight(const struct sbitmap *sb)
{
	unsigned int i, weight = 0;

	for (i = 0; i < sb->map_nr; i++) {
		unsigned long busy = sb_busy(&sb->map[i]);

		weight += bitmap_weight(&busy, sb_word_depth(sb, i));
	}
	return weight;
}
EXPORT_SYMBOL_GPL(sbitmap_weight);

/**
 * sbitmap_for_each_clear() - call @fn for each free bit
 * @sb: the bitmap; exact only when nothing runs meanwhile
 * @fn: non-zero stops the walk
 * @data: its argument
 *
 * Return: what @fn returned last.
 */
int sbitmap_for_each_clear(struct sbitmap *sb, sb_for_each_fn fn, void *data)
{
	unsigned int i, bit;
	int ret = 0;

	for (i = 0; i < sb->map_nr && !ret; i++) {
		unsigned long busy = sb_busy(&sb->map[i]);
		unsigned int depth = sb_word_depth(sb, i);

		for (bit = find_next_zero_bit(&busy, depth, 0); bit < depth && !ret;
		     bit = find_next_zero_bit(&busy, depth, bit + 1))
			ret = fn((i << sb->shift) + bit, data);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(sbitmap_for_each_clear);

/**
 * sbitmap_queue_init() - set up a bitmap with its wait queues
 * @sbq: the queue
 * @depth: how many bits
 * @shift: log2 of the bits per word, or -1 for the default
 * @flags: how to allocate
 *
 * wake_batch is depth / SBQ_WAIT_QUEUES, from 1 to SBQ_WAKE_BATCH: with
 * every tag busy, the frees still to come can always make up a batch.
 *
 * Return: 0 or -ENOMEM.
 */
int sbitmap_queue_init(struct sbitmap_queue *sbq, unsigned int depth,
		       int shift, gfp_t flags)
{
	int err = sbitmap_init(&sbq->sb, depth, shift, flags);
	int i;

	if (err)
		return err;
	sbq->ws = kcalloc(SBQ_WAIT_QUEUES, sizeof(*sbq->ws), flags);
	if (!sbq->ws) {
		sbitmap_free(&sbq->sb);
		return -ENOMEM;
	}
	for (i = 0; i < SBQ_WAIT_QUEUES; i++)
		init_waitqueue_head(&sbq->ws[i].wait);
	sbq->wake_batch = clamp(depth / SBQ_WAIT_QUEUES, 1U, (unsigned int)SBQ_WAKE_BATCH);
	atomic_set(&sbq->wake_index, 0);
	atomic_set(&sbq->ws_active, 0);
	atomic_set(&sbq->completion_cnt, 0);
	atomic_set(&sbq->wakeup_cnt, 0);
	return 0;
}
EXPORT_SYMBOL_GPL(sbitmap_queue_init);

/**
 * sbitmap_queue_free() - free the memory of @sbq
 * @sbq: the queue
 */
void sbitmap_queue_free(struct sbitmap_queue *sbq)
{
	kfree(sbq->ws);
	sbq->ws = NULL;
	sbitmap_free(&sbq->sb);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_free);

/* Wake up to @nr exclusive waiters, a queue at a time from wake_index. */
static void sbq_wake_waiters(struct sbitmap_queue *sbq, int nr)
{
	int start = atomic_read(&sbq->wake_index);
	int i, index = start;

	for (i = 0; i < SBQ_WAIT_QUEUES && nr > 0; i++) {
		struct sbq_wait_state *ws = &sbq->ws[index];

		index = (index + 1) % SBQ_WAIT_QUEUES;
		if (waitqueue_active(&ws->wait))
			nr -= wake_up_nr(&ws->wait, nr);
	}
	if (index != start)
		atomic_cmpxchg(&sbq->wake_index, start, index);
}

/**
 * sbitmap_queue_wake_up() - count @nr frees, and wake a batch when due
 * @sbq: the queue
 * @nr: frees to count
 *
 * A free made while nobody waits is not counted: a waiter is woken at the
 * latest wake_batch frees after it queued.
 */
void sbitmap_queue_wake_up(struct sbitmap_queue *sbq, int nr)
{
	int batch = READ_ONCE(sbq->wake_batch);
	int done, woken;

	if (!atomic_read(&sbq->ws_active))
		return;
	done = atomic_add_return(nr, &sbq->completion_cnt);
	woken = atomic_read(&sbq->wakeup_cnt);
	do {
		if (done - woken < batch)
			return;
	} while (!atomic_try_cmpxchg(&sbq->wakeup_cnt, &woken, woken + batch));
	sbq_wake_waiters(sbq, batch);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_wake_up);

/**
 * sbitmap_queue_clear() - free bit @nr, allocated on @cpu
 * @sbq: the queue
 * @nr: the bit
 * @cpu: the CPU whose hint moves to @nr
 */
void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,
			 unsigned int cpu)
{
	struct sbitmap *sb = &sbq->sb;

	/* what the owner did with the tag is done before anyone reuses it */
	smp_mb__before_atomic();
	set_bit(nr & ((1U << sb->shift) - 1), &sb->map[nr >> sb->shift].cleared);
	/* pairs with the barrier in set_current_state() of a waiter */
	smp_mb__after_atomic();
	sbitmap_queue_wake_up(sbq, 1);
	WRITE_ONCE(*per_cpu_ptr(sb->alloc_hint, cpu), nr);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_clear);

/**
 * sbitmap_queue_wake_all() - wake every waiter on every queue
 * @sbq: the queue
 */
void sbitmap_queue_wake_all(struct sbitmap_queue *sbq)
{
	int i;

	smp_mb();
	for (i = 0; i < SBQ_WAIT_QUEUES; i++)
		if (waitqueue_active(&sbq->ws[i].wait))
			wake_up_all(&sbq->ws[i].wait);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_wake_all);

/**
 * sbitmap_prepare_to_wait() - queue on @ws, counted among the waiters
 * @sbq: the queue
 * @ws: one of its wait queues (sbq_wait_ptr())
 * @sbq_wait: the waiter
 * @state: the task state to sleep in
 */
void sbitmap_prepare_to_wait(struct sbitmap_queue *sbq,
			     struct sbq_wait_state *ws,
			     struct sbq_wait *sbq_wait, int state)
{
	if (!sbq_wait->sbq) {
		atomic_inc(&sbq->ws_active);
		sbq_wait->sbq = sbq;
	}
	prepare_to_wait_exclusive(&ws->wait, &sbq_wait->wait, state);
}
EXPORT_SYMBOL_GPL(sbitmap_prepare_to_wait);

/**
 * sbitmap_finish_wait() - leave @ws, no longer counted
 * @sbq: the queue
 * @ws: the wait queue sbitmap_prepare_to_wait() used
 * @sbq_wait: the waiter
 */
void sbitmap_finish_wait(struct sbitmap_queue *sbq, struct sbq_wait_state *ws,
			 struct sbq_wait *sbq_wait)
{
	finish_wait(&ws->wait, &sbq_wait->wait);
	if (sbq_wait->sbq) {
		atomic_dec(&sbq->ws_active);
		sbq_wait->sbq = NULL;
	}
}
EXPORT_SYMBOL_GPL(sbitmap_finish_wait);
