/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ida: an id allocator with the 2013 interface, written for this project as
 * the baseline the percpu_ida review asked about.
 *
 * Ids live in a tree: leaves of IDA_BITMAP_BITS bits, layers of
 * IDA_LAYER_SIZE slots above them, each layer with a bitmap of the slots
 * whose subtree is full, so a search skips them.  The tree grows with the
 * largest id asked for and never needs memory under the caller's lock:
 * ida_pre_get() stocks spare nodes first, and ida_get_new_above() says
 * -EAGAIN when the stock ran out.  Callers serialise ida_get_new_above() and
 * ida_remove() themselves, with one lock of theirs, as ida_simple_get() did.
 */
#ifndef _LINUX_IDR_H
#define _LINUX_IDR_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>

#define IDA_BITMAP_BITS		1024
#define IDA_LAYER_SHIFT		6
#define IDA_LAYER_SIZE		(1 << IDA_LAYER_SHIFT)
/* 1024 << (6 * 4) ids: more than an int can number */
#define IDA_MAX_LAYERS		4

struct ida_bitmap {
	unsigned int		nr_busy;
	unsigned long		bitmap[IDA_BITMAP_BITS / BITS_PER_LONG];
};

struct ida_layer {
	unsigned long		full;		/* slots whose subtree is full */
	void			*slot[IDA_LAYER_SIZE];
};

struct ida {
	struct ida_layer	*top;
	int			layers;		/* 0: no tree yet */
	/* the stock ida_pre_get() fills: its own lock, any context */
	spinlock_t		lock;
	struct ida_layer	*spare;		/* chained through slot[0] */
	int			nr_spare;
	struct ida_bitmap	*free_bitmap;
};

void ida_init(struct ida *ida);
int ida_pre_get(struct ida *ida, gfp_t gfp_mask);
int ida_get_new_above(struct ida *ida, int starting_id, int *p_id);
void ida_remove(struct ida *ida, int id);
int ida_next_free(struct ida *ida, int start);
void ida_destroy(struct ida *ida);

static inline int ida_get_new(struct ida *ida, int *p_id)
{
	return ida_get_new_above(ida, 0, p_id);
}

#endif /* _LINUX_IDR_H */
