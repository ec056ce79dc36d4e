// SPDX-License-Identifier: GPL-2.0
/*
 * ida with the 2013 interface: the baseline of the percpu_ida review.
 *
 * Written for this project from spec/baselines.md.  See <linux/idr.h> for
 * the shape of the tree.  The tree is the caller's to serialise; ida->lock
 * guards only the stock of spare nodes, which ida_pre_get() fills from any
 * context, so it is taken with irqs off and nests inside the caller's lock.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/idr.h>

#define IDA_BITMAP_SHIFT	10	/* ilog2(IDA_BITMAP_BITS) */

/* log2 of the ids under one slot of a layer @level above the leaves */
static int ida_slot_shift(int level)
{
	return IDA_BITMAP_SHIFT + IDA_LAYER_SHIFT * (level - 1);
}

static int ida_slot(long id, int level)
{
	return (id >> ida_slot_shift(level)) & (IDA_LAYER_SIZE - 1);
}

static long ida_capacity(int layers)
{
	return (long)IDA_BITMAP_BITS << (IDA_LAYER_SHIFT * layers);
}

static bool ida_layer_full(const struct ida_layer *layer)
{
	return layer->full == ~0UL;
}

/* ida->lock held: one node from the stock, or NULL. */
static struct ida_layer *ida_take_layer(struct ida *ida)
{
	struct ida_layer *layer = ida->spare;

	if (layer) {
		ida->spare = layer->slot[0];
		ida->nr_spare--;
		memset(layer, 0, sizeof(*layer));
	}
	return layer;
}

/* ida->lock held: the spare leaf, zeroed, or NULL. */
static struct ida_bitmap *ida_take_bitmap(struct ida *ida)
{
	struct ida_bitmap *leaf = NULL;

	swap(leaf, ida->free_bitmap);
	return leaf;
}

/* Add a layer on top; the old tree becomes its slot 0. */
static int ida_grow(struct ida *ida)
{
	struct ida_layer *layer;

	if (ida->layers == IDA_MAX_LAYERS)
		return -ENOSPC;
	layer = ida_take_layer(ida);
	if (!layer)
		return -EAGAIN;
	if (ida->top) {
		layer->slot[0] = ida->top;
		if (ida_layer_full(ida->top))
			__set_bit(0, &layer->full);
	}
	ida->top = layer;
	ida->layers++;
	return 0;
}

/* The lowest free id >= @start under @layer, which covers ids from @base. */
static long ida_search(struct ida_layer *layer, int level, long base,
		       long start)
{
	int shift = ida_slot_shift(level);
	long i = start > base ? (start - base) >> shift : 0;

	for (; i < IDA_LAYER_SIZE; i++) {
		long child = base + (i << shift);
		long from = max(start, child);
		void *node = layer->slot[i];
		long id;

		if (test_bit(i, &layer->full))
			continue;
		if (!node)
			return from;	/* nothing below: all of it free */
		if (level == 1) {
			struct ida_bitmap *leaf = node;

			id = find_next_zero_bit(leaf->bitmap, IDA_BITMAP_BITS,
						from - child);
			if (id < IDA_BITMAP_BITS)
				return child + id;
		} else {
			id = ida_search(node, level - 1, child, from);
			if (id >= 0)
				return id;
		}
	}
	return -1;
}

/*
 * Build the path down to @id from the stock and mark it busy.  What the
 * path lacks is counted first, so that a short stock changes nothing.
 */
static int ida_fill(struct ida *ida, long id)
{
	struct ida_layer *path[IDA_MAX_LAYERS + 1];
	struct ida_layer *layer = ida->top;
	struct ida_bitmap *leaf;
	int level, missing = 0;

	for (level = ida->layers; level >= 1; level--) {
		void *node = layer->slot[ida_slot(id, level)];

		if (!node) {
			missing = level;
			break;
		}
		if (level > 1)
			layer = node;
	}
	if (missing && (missing - 1 > ida->nr_spare || !ida->free_bitmap))
		return -EAGAIN;

	layer = ida->top;
	for (level = ida->layers; level >= 1; level--) {
		void **slot = &layer->slot[ida_slot(id, level)];

		path[level] = layer;
		if (!*slot)
			*slot = level > 1 ? (void *)ida_take_layer(ida) :
					    (void *)ida_take_bitmap(ida);
		if (level > 1)
			layer = *slot;
	}
	leaf = path[1]->slot[ida_slot(id, 1)];
	__set_bit(id & (IDA_BITMAP_BITS - 1), leaf->bitmap);
	if (++leaf->nr_busy < IDA_BITMAP_BITS)
		return 0;
	for (level = 1; level <= ida->layers; level++) {
		__set_bit(ida_slot(id, level), &path[level]->full);
		if (!ida_layer_full(path[level]))
			break;
	}
	return 0;
}

/**
 * ida_init() - initialise an empty ida
 * @ida: the ida
 */
void ida_init(struct ida *ida)
{
	memset(ida, 0, sizeof(*ida));
	spin_lock_init(&ida->lock);
}
EXPORT_SYMBOL(ida_init);

/**
 * ida_pre_get() - stock the memory the next ida_get_new_above() may need
 * @ida: the ida
 * @gfp_mask: how to allocate it
 *
 * Call it without the caller's lock, as often as ida_get_new_above() says
 * -EAGAIN.
 *
 * Return: 1 when the stock is full, 0 when memory ran out.
 */
int ida_pre_get(struct ida *ida, gfp_t gfp_mask)
{
	unsigned long flags;

	for (;;) {
		bool need_layer, need_bitmap;
		struct ida_bitmap *leaf;
		struct ida_layer *layer;

		spin_lock_irqsave(&ida->lock, flags);
		need_layer = ida->nr_spare < IDA_MAX_LAYERS;
		need_bitmap = !ida->free_bitmap;
		spin_unlock_irqrestore(&ida->lock, flags);
		if (!need_layer && !need_bitmap)
			return 1;
		if (need_layer) {
			layer = kzalloc(sizeof(*layer), gfp_mask);
			if (!layer)
				return 0;
			spin_lock_irqsave(&ida->lock, flags);
			layer->slot[0] = ida->spare;
			ida->spare = layer;
			ida->nr_spare++;
			spin_unlock_irqrestore(&ida->lock, flags);
			continue;
		}
		leaf = kzalloc(sizeof(*leaf), gfp_mask);
		if (!leaf)
			return 0;
		spin_lock_irqsave(&ida->lock, flags);
		if (!ida->free_bitmap)
			swap(ida->free_bitmap, leaf);
		spin_unlock_irqrestore(&ida->lock, flags);
		kfree(leaf);	/* someone stocked one meanwhile */
	}
}
EXPORT_SYMBOL(ida_pre_get);

/**
 * ida_get_new_above() - allocate the lowest free id >= @starting_id
 * @ida: the ida
 * @starting_id: the lowest id wanted
 * @p_id: where the id goes
 *
 * The caller serialises this against ida_remove().
 *
 * Return: 0; -EAGAIN when ida_pre_get() must run first; -ENOSPC when no id
 * from @starting_id up to INT_MAX is free; -EINVAL for a negative start.
 */
int ida_get_new_above(struct ida *ida, int starting_id, int *p_id)
{
	unsigned long flags;
	long id;
	int err = 0;

	if (starting_id < 0)
		return -EINVAL;
	spin_lock_irqsave(&ida->lock, flags);
	for (;;) {
		if (ida->top && starting_id < ida_capacity(ida->layers)) {
			id = ida_search(ida->top, ida->layers, 0, starting_id);
			if (id >= 0)
				break;
		}
		/* too small for @starting_id, or full: room above, if any */
		err = ida_grow(ida);
		if (err)
			goto out;
	}
	if (id > INT_MAX)
		err = -ENOSPC;
	else
		err = ida_fill(ida, id);
	if (!err)
		*p_id = id;
out:
	spin_unlock_irqrestore(&ida->lock, flags);
	return err;
}
EXPORT_SYMBOL(ida_get_new_above);

/**
 * ida_next_free() - the lowest free id >= @start, without allocating it
 * @ida: the ida
 * @start: where to look from
 *
 * The caller serialises this as ida_get_new_above().
 *
 * Return: the id; one past INT_MAX when none is free.
 */
int ida_next_free(struct ida *ida, int start)
{
	long id;

	if (!ida->top || start >= ida_capacity(ida->layers))
		return start;
	id = ida_search(ida->top, ida->layers, 0, start);
	if (id < 0)
		id = ida_capacity(ida->layers);
	return min_t(long, id, (long)INT_MAX + 1);
}
EXPORT_SYMBOL(ida_next_free);

/* Hand an empty leaf back to the stock, or to the slab. */
static void ida_free_bitmap(struct ida *ida, struct ida_bitmap *leaf)
{
	unsigned long flags;

	spin_lock_irqsave(&ida->lock, flags);
	if (!ida->free_bitmap) {
		memset(leaf, 0, sizeof(*leaf));
		swap(ida->free_bitmap, leaf);
	}
	spin_unlock_irqrestore(&ida->lock, flags);
	kfree(leaf);
}

/**
 * ida_remove() - free an id
 * @ida: the ida
 * @id: an id that ida_get_new_above() gave out
 *
 * The caller serialises this against ida_get_new_above().  A leaf left
 * empty goes back to the stock or to the slab.  Freeing an id that is not
 * allocated is a WARN, and changes nothing.
 */
void ida_remove(struct ida *ida, int id)
{
	struct ida_layer *path[IDA_MAX_LAYERS + 1];
	struct ida_layer *layer = ida->top;
	struct ida_bitmap *leaf = NULL;
	int level;

	if (id < 0 || !layer || id >= ida_capacity(ida->layers))
		goto bad;
	for (level = ida->layers; level >= 1; level--) {
		void *node = layer->slot[ida_slot(id, level)];

		if (!node)
			goto bad;
		path[level] = layer;
		if (level > 1)
			layer = node;
		else
			leaf = node;
	}
	if (!__test_and_clear_bit(id & (IDA_BITMAP_BITS - 1), leaf->bitmap))
		goto bad;
	/* every subtree on the way down now has a free id */
	for (level = 1; level <= ida->layers; level++)
		__clear_bit(ida_slot(id, level), &path[level]->full);
	if (--leaf->nr_busy == 0) {
		path[1]->slot[ida_slot(id, 1)] = NULL;
		ida_free_bitmap(ida, leaf);
	}
	return;
bad:
	WARN(1, "ida_remove called for id=%d which is not allocated.\n", id);
}
EXPORT_SYMBOL(ida_remove);

static void ida_free_layer(struct ida_layer *layer, int level)
{
	for (int i = 0; i < IDA_LAYER_SIZE; i++) {
		if (level > 1 && layer->slot[i])
			ida_free_layer(layer->slot[i], level - 1);
		else
			kfree(layer->slot[i]);
	}
	kfree(layer);
}

/**
 * ida_destroy() - free every node of @ida and its stock
 * @ida: the ida; it is empty afterwards, as after ida_init()
 */
void ida_destroy(struct ida *ida)
{
	struct ida_layer *layer;

	if (ida->top)
		ida_free_layer(ida->top, ida->layers);
	ida->top = NULL;
	ida->layers = 0;
	while ((layer = ida->spare)) {
		ida->spare = layer->slot[0];
		kfree(layer);
	}
	ida->nr_spare = 0;
	kfree(ida->free_bitmap);
	ida->free_bitmap = NULL;
}
EXPORT_SYMBOL(ida_destroy);
