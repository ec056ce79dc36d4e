// SPDX-License-Identifier: GPL-2.0
/*
 * sbitmap in the later upstream API shape: see sbitmap.h beside this file.
 * Written for this project's tests.
 */
#include <linux/sched.h>
#include <linux/random.h>
#include <linux/sbitmap.h>
#include <linux/seq_file.h>

static int sb_init_hints(struct sbitmap *sb, gfp_t flags)
{
	int cpu;

	sb->alloc_hint = alloc_percpu_gfp(unsigned int, flags);
	if (!sb->alloc_hint)
		return -ENOMEM;
	/* spread the CPUs' first searches over the map */
	if (sb->depth && !sb->round_robin)
		for_each_possible_cpu(cpu)
			*per_cpu_ptr(sb->alloc_hint, cpu) =
				get_random_u32_below(sb->depth);
	return 0;
}

static unsigned int sb_default_shift(unsigned int depth)
{
	unsigned int shift = ilog2(BITS_PER_LONG);

	if (depth >= 4)
		while (shift && (4U << shift) > depth)
			shift--;
	return shift;
}

int sbitmap_init_node(struct sbitmap *sb, unsigned int depth, int shift,
		      gfp_t flags, int node, bool round_robin, bool alloc_hint)
{
	sb->shift = shift < 0 ? sb_default_shift(depth) : shift;
	sb->depth = depth;
	sb->round_robin = round_robin;
	sb->map_nr = DIV_ROUND_UP(depth, 1U << sb->shift);
	sb->alloc_hint = NULL;
	if (alloc_hint && sb_init_hints(sb, flags))
		return -ENOMEM;
	sb->map = kvzalloc_node(sb->map_nr * sizeof(*sb->map), flags, node);
	if (!sb->map) {
		free_percpu(sb->alloc_hint);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(sbitmap_init_node);

static bool sb_fold_cleared(struct sbitmap_word *map)
{
	unsigned long mask;

	if (!READ_ONCE(map->cleared))
		return false;
	mask = xchg(&map->cleared, 0);
	atomic_long_andnot(mask, (atomic_long_t *)&map->word);
	return true;
}

/* a zero bit of @word at or after @hint, wrapping once; set it */
static int sb_take_bit(unsigned long *word, unsigned int depth,
		       unsigned int hint, bool wrap)
{
	unsigned int start = hint;

	for (;;) {
		unsigned int nr = find_next_zero_bit(word, depth, hint);

		if (nr >= depth) {
			if (!wrap || !start)
				return -1;
			wrap = false;
			depth = start;
			hint = 0;
			continue;
		}
		if (!test_and_set_bit_lock(nr, word))
			return nr;
		hint = nr + 1;
		if (hint >= depth && wrap && start) {
			wrap = false;
			depth = start;
			hint = 0;
		}
	}
}

static int sb_get_in_word(struct sbitmap *sb, unsigned int index,
			  unsigned int hint, bool wrap)
{
	int nr;

	do {
		nr = sb_take_bit(&sb->map[index].word, __map_depth(sb, index),
				 hint, wrap);
	} while (nr < 0 && sb_fold_cleared(&sb->map[index]));
	return nr;
}

static int sb_search(struct sbitmap *sb, unsigned int hint)
{
	unsigned int index = hint >> sb->shift;
	unsigned int bit = hint & ((1U << sb->shift) - 1);
	unsigned int i;

	for (i = 0; i <= sb->map_nr; i++) {
		/* the hint's word is tried again last, below the hint */
		int nr = sb_get_in_word(sb, index, bit, !sb->round_robin);

		if (nr >= 0)
			return (index << sb->shift) + nr;
		bit = 0;
		if (++index >= sb->map_nr)
			index = 0;
	}
	return -1;
}

int sbitmap_get(struct sbitmap *sb)
{
	unsigned int hint = this_cpu_read(*sb->alloc_hint);
	int nr;

	if (unlikely(hint >= sb->depth))
		hint = sb->depth ? get_random_u32_below(sb->depth) : 0;
	nr = sb_search(sb, hint);
	if (nr < 0)
		this_cpu_write(*sb->alloc_hint, 0);
	else if (nr == hint || sb->round_robin)
		this_cpu_write(*sb->alloc_hint, nr + 1 < sb->depth ? nr + 1 : 0);
	return nr;
}
EXPORT_SYMBOL_GPL(sbitmap_get);

static bool sb_count(struct sbitmap *sb, unsigned int bit, void *data)
{
	(*(unsigned int *)data)++;
	return true;
}

unsigned int sbitmap_weight(const struct sbitmap *sb)
{
	unsigned int weight = 0;

	sbitmap_for_each_set((struct sbitmap *)sb, sb_count, &weight);
	return weight;
}
EXPORT_SYMBOL_GPL(sbitmap_weight);

bool sbitmap_any_bit_set(const struct sbitmap *sb)
{
	return sbitmap_weight(sb) != 0;
}
EXPORT_SYMBOL_GPL(sbitmap_any_bit_set);

void sbitmap_show(struct sbitmap *sb, struct seq_file *m)
{
	seq_printf(m, "depth=%u\n", sb->depth);
	seq_printf(m, "busy=%u\n", sbitmap_weight(sb));
	seq_printf(m, "bits_per_word=%u\n", 1U << sb->shift);
	seq_printf(m, "map_nr=%u\n", sb->map_nr);
}
EXPORT_SYMBOL_GPL(sbitmap_show);

/* Wake a batch at a time, but never a batch larger than the waiters can
 * count on: with every tag busy, the frees still to come make up a batch. */
static unsigned int sbq_calc_wake_batch(struct sbitmap_queue *sbq,
					unsigned int depth)
{
	unsigned int shallow = min(depth, sbq->min_shallow_depth);

	return clamp_t(unsigned int, shallow / SBQ_WAIT_QUEUES, 1, SBQ_WAKE_BATCH);
}

int sbitmap_queue_init_node(struct sbitmap_queue *sbq, unsigned int depth,
			    int shift, bool round_robin, gfp_t flags, int node)
{
	int ret, i;

	ret = sbitmap_init_node(&sbq->sb, depth, shift, flags, node,
				round_robin, true);
	if (ret)
		return ret;
	sbq->min_shallow_depth = UINT_MAX;
	sbq->wake_batch = sbq_calc_wake_batch(sbq, depth);
	atomic_set(&sbq->wake_index, 0);
	atomic_set(&sbq->ws_active, 0);
	atomic_set(&sbq->completion_cnt, 0);
	atomic_set(&sbq->wakeups, 0);
	sbq->ws = kcalloc_node(SBQ_WAIT_QUEUES, sizeof(*sbq->ws), flags, node);
	if (!sbq->ws) {
		sbitmap_free(&sbq->sb);
		return -ENOMEM;
	}
	for (i = 0; i < SBQ_WAIT_QUEUES; i++)
		init_waitqueue_head(&sbq->ws[i].wait);
	return 0;
}
EXPORT_SYMBOL_GPL(sbitmap_queue_init_node);

void sbitmap_queue_min_shallow_depth(struct sbitmap_queue *sbq,
				     unsigned int min_shallow_depth)
{
	sbq->min_shallow_depth = min_shallow_depth;
	WRITE_ONCE(sbq->wake_batch, sbq_calc_wake_batch(sbq, sbq->sb.depth));
}
EXPORT_SYMBOL_GPL(sbitmap_queue_min_shallow_depth);

int __sbitmap_queue_get(struct sbitmap_queue *sbq)
{
	return sbitmap_get(&sbq->sb);
}
EXPORT_SYMBOL_GPL(__sbitmap_queue_get);

/*
 * Up to @nr_tags bits of one word at once: the mask of those taken, the
 * word's first bit number in @offset.  0 when none could be had.
 */
unsigned long __sbitmap_queue_get_batch(struct sbitmap_queue *sbq, int nr_tags,
					unsigned int *offset)
{
	struct sbitmap *sb = &sbq->sb;
	unsigned int hint = this_cpu_read(*sb->alloc_hint), index, i;

	if (unlikely(sb->round_robin || hint >= sb->depth))
		hint = 0;
	index = hint >> sb->shift;
	for (i = 0; i < sb->map_nr; i++) {
		struct sbitmap_word *map = &sb->map[index];
		unsigned int depth = __map_depth(sb, index);
		unsigned long val, want, got;

		sb_fold_cleared(map);
		val = READ_ONCE(map->word);
		if (val != (depth == BITS_PER_LONG ? ~0UL : (1UL << depth) - 1)) {
			unsigned int nr = find_first_zero_bit(&val, depth);

			want = nr_tags >= BITS_PER_LONG ? ~0UL :
			       ((1UL << nr_tags) - 1) << nr;
			if (depth < BITS_PER_LONG)
				want &= (1UL << depth) - 1;
			want &= ~val;
			got = want & ~atomic_long_fetch_or(want, (atomic_long_t *)&map->word);
			if (got) {
				*offset = index << sb->shift;
				this_cpu_write(*sb->alloc_hint, *offset + __fls(got) + 1 <
					       sb->depth ? *offset + __fls(got) + 1 : 0);
				return got;
			}
		}
		if (++index >= sb->map_nr)
			index = 0;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(__sbitmap_queue_get_batch);

/* wake up to @nr exclusive waiters, a queue at a time from wake_index */
static void sbq_wake_waiters(struct sbitmap_queue *sbq, int nr)
{
	int start = atomic_read(&sbq->wake_index), index = start, i;

	for (i = 0; i < SBQ_WAIT_QUEUES && nr > 0; i++) {
		struct sbq_wait_state *ws = &sbq->ws[index];

		index = sbq_index_inc(index);
		if (waitqueue_active(&ws->wait))
			nr -= wake_up_nr(&ws->wait, nr);
	}
	if (index != start)
		atomic_cmpxchg(&sbq->wake_index, start, index);
}

void sbitmap_queue_wake_up(struct sbitmap_queue *sbq, int nr)
{
	unsigned int batch = READ_ONCE(sbq->wake_batch);
	int done, woken;

	if (!atomic_read(&sbq->ws_active))
		return;
	done = atomic_add_return(nr, &sbq->completion_cnt);
	woken = atomic_read(&sbq->wakeups);
	do {
		if (done - woken < batch)
			return;
	} while (!atomic_try_cmpxchg(&sbq->wakeups, &woken, woken + batch));
	sbq_wake_waiters(sbq, batch);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_wake_up);

static void sbq_defer_clear(struct sbitmap *sb, unsigned int nr)
{
	set_bit(nr & ((1U << sb->shift) - 1), &sb->map[nr >> sb->shift].cleared);
}

void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,
			 unsigned int cpu)
{
	/* what the owner did with the tag happens before it is reused */
	smp_mb__before_atomic();
	sbq_defer_clear(&sbq->sb, nr);
	/* pairs with the barrier in a waiter's set_current_state() */
	smp_mb__after_atomic();
	sbitmap_queue_wake_up(sbq, 1);
	if (likely(!sbq->sb.round_robin && nr < sbq->sb.depth))
		*per_cpu_ptr(sbq->sb.alloc_hint, cpu) = nr;
}
EXPORT_SYMBOL_GPL(sbitmap_queue_clear);

void sbitmap_queue_clear_batch(struct sbitmap_queue *sbq, int offset,
			       int *tags, int nr_tags)
{
	int i;

	smp_mb__before_atomic();
	for (i = 0; i < nr_tags; i++)
		sbq_defer_clear(&sbq->sb, tags[i] - offset);
	smp_mb__after_atomic();
	sbitmap_queue_wake_up(sbq, nr_tags);
	if (nr_tags && !sbq->sb.round_robin)
		this_cpu_write(*sbq->sb.alloc_hint, tags[nr_tags - 1] - offset);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_clear_batch);

void sbitmap_queue_wake_all(struct sbitmap_queue *sbq)
{
	int i;

	smp_mb();
	for (i = 0; i < SBQ_WAIT_QUEUES; i++)
		if (waitqueue_active(&sbq->ws[i].wait))
			wake_up(&sbq->ws[i].wait);
}
EXPORT_SYMBOL_GPL(sbitmap_queue_wake_all);

void sbitmap_queue_show(struct sbitmap_queue *sbq, struct seq_file *m)
{
	sbitmap_show(&sbq->sb, m);
	seq_puts(m, "alloc_hint={");
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu)
			seq_puts(m, ", ");
		seq_printf(m, "%u", *per_cpu_ptr(sbq->sb.alloc_hint, cpu));
	}
	seq_puts(m, "}\n");
	seq_printf(m, "wake_batch=%u\n", sbq->wake_batch);
	seq_printf(m, "wake_index=%d\n", atomic_read(&sbq->wake_index));
	seq_printf(m, "ws_active=%d\n", atomic_read(&sbq->ws_active));
	seq_printf(m, "round_robin=%d\n", sbq->sb.round_robin);
	seq_printf(m, "min_shallow_depth=%u\n", sbq->min_shallow_depth);
	seq_putc(m, '\n');
}
EXPORT_SYMBOL_GPL(sbitmap_queue_show);

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
