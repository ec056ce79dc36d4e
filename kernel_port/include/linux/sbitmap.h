/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sbitmap: a scalable bitmap of tags, and sbitmap_queue, the tag allocator
 * that replaced percpu_ida in blk-mq.  Written for this project from
 * spec/baselines.md.
 *
 * The bitmap is split into words, each on its own cacheline, so CPUs that
 * allocate from different words do not share a line.  Each CPU remembers
 * where its last tag was (a hint) and searches from there.  A free does not
 * clear the busy bit: it sets the bit in the word's "cleared" mask, and an
 * allocator that finds a word full folds that mask back in all at once.
 */
#ifndef __LINUX_SCALE_BITMAP_H
#define __LINUX_SCALE_BITMAP_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/wait.h>

struct sbitmap_word {
	unsigned long		word;		/* busy bits */
	unsigned long		cleared;	/* busy bits freed since */
} ____cacheline_aligned_in_smp;

struct sbitmap {
	unsigned int		depth;		/* bits in use */
	unsigned int		shift;		/* log2 of bits per word */
	unsigned int		map_nr;
	struct sbitmap_word	*map;
	unsigned int __percpu	*alloc_hint;
};

#define SBQ_WAIT_QUEUES		8
#define SBQ_WAKE_BATCH		8

struct sbq_wait_state {
	wait_queue_head_t	wait;
} ____cacheline_aligned_in_smp;

/*
 * Sleepers spread over SBQ_WAIT_QUEUES queues.  Frees are counted while
 * anyone waits; every wake_batch of them wakes wake_batch waiters, taken
 * from the queues in turn.
 */
struct sbitmap_queue {
	struct sbitmap		sb;
	unsigned int		wake_batch;
	atomic_t		wake_index;
	struct sbq_wait_state	*ws;
	atomic_t		ws_active;	/* waiters, all queues */
	atomic_t		completion_cnt;
	atomic_t		wakeup_cnt;
};

/* A waiter, counted in ws_active while it is queued. */
struct sbq_wait {
	struct sbitmap_queue	*sbq;
	struct wait_queue_entry	wait;
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

typedef int (*sb_for_each_fn)(unsigned int bitnr, void *data);

int sbitmap_init(struct sbitmap *sb, unsigned int depth, int shift, gfp_t flags);
void sbitmap_free(struct sbitmap *sb);
int sbitmap_get(struct sbitmap *sb);
unsigned int sbitmap_weight(const struct sbitmap *sb);
int sbitmap_for_each_clear(struct sbitmap *sb, sb_for_each_fn fn, void *data);

int sbitmap_queue_init(struct sbitmap_queue *sbq, unsigned int depth,
		       int shift, gfp_t flags);
void sbitmap_queue_free(struct sbitmap_queue *sbq);
void sbitmap_queue_clear(struct sbitmap_queue *sbq, unsigned int nr,
			 unsigned int cpu);
void sbitmap_queue_wake_up(struct sbitmap_queue *sbq, int nr);
void sbitmap_queue_wake_all(struct sbitmap_queue *sbq);
void sbitmap_prepare_to_wait(struct sbitmap_queue *sbq,
			     struct sbq_wait_state *ws,
			     struct sbq_wait *sbq_wait, int state);
void sbitmap_finish_wait(struct sbitmap_queue *sbq, struct sbq_wait_state *ws,
			 struct sbq_wait *sbq_wait);

static inline int __sbitmap_queue_get(struct sbitmap_queue *sbq)
{
	return sbitmap_get(&sbq->sb);
}

/* The queue to wait on next: each waiter moves @wait_index on by one. */
static inline struct sbq_wait_state *sbq_wait_ptr(struct sbitmap_queue *sbq,
						  atomic_t *wait_index)
{
	unsigned int index = atomic_fetch_add(1, wait_index);

	return &sbq->ws[index % SBQ_WAIT_QUEUES];
}

#endif /* __LINUX_SCALE_BITMAP_H */
