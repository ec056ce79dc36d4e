/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scalable bitmap in the API shape of the later upstream trees (5.13 on):
 * the allocation hint and round-robin mode live in the bitmap, frees are
 * deferred through per-word cleared masks, tags come singly or in batches,
 * waiters are counted through struct sbq_wait.  Written for this project's
 * tests from the behaviour described in spec/ and the project's own
 * sbitmap baseline; it stands for a real lib/sbitmap.c of that era.
 */
#ifndef __LINUX_SCALE_BITMAP_H
#define __LINUX_SCALE_BITMAP_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/types.h>
#include <linux/wait.h>

struct seq_file;

struct sbitmap_word {
	unsigned long word;		/* busy bits */
	unsigned long cleared ____cacheline_aligned_in_smp; /* freed since */
} ____cacheline_aligned_in_smp;

struct sbitmap {
	unsigned int depth;
	unsigned int shift;
	unsigned int map_nr;
	bool round_robin;
	struct sbitmap_word *map;
	unsigned int __percpu *alloc_hint;
};

#define SBQ_WAIT_QUEUES 8
#define SBQ_WAKE_BATCH 8

struct sbq_wait_state {
	wait_queue_head_t wait;
} ____cacheline_aligned_in_smp;

struct sbitmap_queue {
	struct sbitmap sb;
	unsigned int wake_batch;
	atomic_t wake_index;
	struct sbq_wait_state *ws;
	atomic_t ws_active;
	unsigned int min_shallow_depth;
	atomic_t completion_cnt;
	atomic_t wakeups;
};

int sbitmap_init_node(struct sbitmap *sb, unsigned int depth, int shift,
		      gfp_t flags, int node, bool round_robin, bool alloc_hint);

static inline unsigned int __map_depth(const struct sbitmap *sb, int index)
{
	if (index == sb->map_nr - 1)
		return sb->depth - (index << sb->shift);
	return 1U << sb->shift;
}

static inline void sbitmap_free(struct sbitmap *sb)
{
	free_percpu(sb->alloc_hint);
	kvfree(sb->map);
	sb->map = NULL;
}

int sbitmap_get(struct sbitmap *sb);
bool sbitmap_any_bit_set(const struct sbitmap *sb);
unsigned int sbitmap_weight(const struct sbitmap *sb);

typedef bool (*sb_for_each_fn)(struct sbitmap *, unsigned int, void *);

/* Every busy bit from bit @start on, in order, until @fn says false. */
static inline void __sbitmap_for_each_set(struct sbitmap *sb,
					  unsigned int start,
					  sb_for_each_fn fn, void *data)
{
	unsigned int index;

	for (index = start >> sb->shift; index < sb->map_nr; index++) {
		struct sbitmap_word *word = &sb->map[index];
		unsigned long busy = READ_ONCE(word->word) & ~READ_ONCE(word->cleared);
		unsigned int depth = __map_depth(sb, index), nr;

		for (nr = find_first_bit(&busy, depth); nr < depth;
		     nr = find_next_bit(&busy, depth, nr + 1))
			if (!fn(sb, (index << sb->shift) + nr, data))
				return;
	}
}

static inline void sbitmap_for_each_set(struct sbitmap *sb, sb_for_each_fn fn,
					void *data)
{
	__sbitmap_for_each_set(sb, 0, fn, data);
}

void sbitmap_show(struct sbitmap *sb, struct seq_file *m);

int sbitmap_queue_init_node(struct sbitmap_queue *sbq, unsigned int depth,
			    int shift, bool round_robin, gfp_t flags, int node);

static inline void sbitmap_queue_free(struct sbitmap_queue *sbq)
{
	kfree(sbq->ws);
	sbitmap_free(&sbq->sb);
}

int __sbitmap_queue_get(struct sbitmap_queue *sbq);
unsigned long __sbitmap_queue_get_batch(struct sbitmap_queue *sbq, int nr_tags,
					unsigned int *offset);
void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,
			 unsigned int cpu);
void sbitmap_queue_clear_batch(struct sbitmap_queue *sbq, int offset,
			       int *tags, int nr_tags);
void sbitmap_queue_min_shallow_depth(struct sbitmap_queue *sbq,
				     unsigned int min_shallow_depth);
void sbitmap_queue_wake_up(struct sbitmap_queue *sbq, int nr);
void sbitmap_queue_wake_all(struct sbitmap_queue *sbq);
void sbitmap_queue_show(struct sbitmap_queue *sbq, struct seq_file *m);

static inline int sbq_index_inc(int index)
{
	return (index + 1) & (SBQ_WAIT_QUEUES - 1);
}

static inline struct sbq_wait_state *sbq_wait_ptr(struct sbitmap_queue *sbq,
						  atomic_t *wait_index)
{
	int old = atomic_read(wait_index);

	atomic_cmpxchg(wait_index, old, sbq_index_inc(old));
	return &sbq->ws[old];
}

struct sbq_wait {
	struct sbitmap_queue *sbq;	/* set while counted in ws_active */
	struct wait_queue_entry wait;
};

#define DEFINE_SBQ_WAIT(name)						\
	struct sbq_wait name = {					\
		.sbq = NULL,						\
		.wait = {						\
			.private = current,				\
			.func = autoremove_wake_function,		\
			.entry = LIST_HEAD_INIT((name).wait.entry),	\
		}							\
	}

void sbitmap_prepare_to_wait(struct sbitmap_queue *sbq,
			     struct sbq_wait_state *ws,
			     struct sbq_wait *sbq_wait, int state);
void sbitmap_finish_wait(struct sbitmap_queue *sbq, struct sbq_wait_state *ws,
			 struct sbq_wait *sbq_wait);

#endif /* __LINUX_SCALE_BITMAP_H */
