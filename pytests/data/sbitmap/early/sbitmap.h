/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scalable bitmap in the API shape of the first upstream trees (4.9-4.x):
 * the allocation hint and round-robin flag live in the queue, the bitmap's
 * get takes them as arguments, and each wait queue counts down its own
 * wake batch.  Written for this project's tests from the behaviour
 * described in spec/; it stands for a real lib/sbitmap.c of that era.
 */
#ifndef __LINUX_SCALE_BITMAP_H
#define __LINUX_SCALE_BITMAP_H

#include <linux/kernel.h>
#include <linux/slab.h>

struct sbitmap_word {
	unsigned long word;
	unsigned long depth;
} ____cacheline_aligned_in_smp;

struct sbitmap {
	unsigned int depth;
	unsigned int shift;
	unsigned int map_nr;
	struct sbitmap_word *map;
};

#define SBQ_WAIT_QUEUES 8
#define SBQ_WAKE_BATCH 8

struct sbq_wait_state {
	atomic_t wait_cnt;		/* frees until this queue is woken */
	wait_queue_head_t wait;
} ____cacheline_aligned_in_smp;

struct sbitmap_queue {
	struct sbitmap sb;
	unsigned int __percpu *alloc_hint;
	unsigned int wake_batch;
	atomic_t wake_index;
	struct sbq_wait_state *ws;
	bool round_robin;
};

int sbitmap_init_node(struct sbitmap *sb, unsigned int depth, int shift,
		      gfp_t flags, int node);

static inline void sbitmap_free(struct sbitmap *sb)
{
	kfree(sb->map);
	sb->map = NULL;
}

int sbitmap_get(struct sbitmap *sb, unsigned int alloc_hint, bool round_robin);
bool sbitmap_any_bit_set(const struct sbitmap *sb);
unsigned int sbitmap_weight(const struct sbitmap *sb);

typedef bool (*sb_for_each_fn)(struct sbitmap *, unsigned int, void *);

/* Every set bit, in order, until @fn says false. */
static inline void sbitmap_for_each_set(struct sbitmap *sb, sb_for_each_fn fn,
					void *data)
{
	unsigned int i;

	for (i = 0; i < sb->map_nr; i++) {
		struct sbitmap_word *word = &sb->map[i];
		unsigned int off = i << sb->shift, nr;

		for (nr = find_first_bit(&word->word, word->depth);
		     nr < word->depth;
		     nr = find_next_bit(&word->word, word->depth, nr + 1))
			if (!fn(sb, off + nr, data))
				return;
	}
}

#define SB_NR_TO_INDEX(sb, bitnr) ((bitnr) >> (sb)->shift)
#define SB_NR_TO_BIT(sb, bitnr) ((bitnr) & ((1U << (sb)->shift) - 1U))

int sbitmap_queue_init_node(struct sbitmap_queue *sbq, unsigned int depth,
			    int shift, bool round_robin, gfp_t flags, int node);

static inline void sbitmap_queue_free(struct sbitmap_queue *sbq)
{
	kfree(sbq->ws);
	free_percpu(sbq->alloc_hint);
	sbitmap_free(&sbq->sb);
}

int __sbitmap_queue_get(struct sbitmap_queue *sbq);
void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,
			 unsigned int cpu);
void sbitmap_queue_wake_all(struct sbitmap_queue *sbq);

static inline int sbq_index_inc(int index)
{
	return (index + 1) & (SBQ_WAIT_QUEUES - 1);
}

static inline void sbq_index_atomic_inc(atomic_t *index)
{
	int old = atomic_read(index);

	atomic_cmpxchg(index, old, sbq_index_inc(old));
}

static inline struct sbq_wait_state *sbq_wait_ptr(struct sbitmap_queue *sbq,
						  atomic_t *wait_index)
{
	struct sbq_wait_state *ws = &sbq->ws[atomic_read(wait_index)];

	sbq_index_atomic_inc(wait_index);
	return ws;
}

#endif /* __LINUX_SCALE_BITMAP_H */
