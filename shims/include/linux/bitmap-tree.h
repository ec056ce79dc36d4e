/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_BITMAP_TREE_H
#define _LINUX_BITMAP_TREE_H
/*
 * Kent Overstreet's bitmap tree, which the June 2013 percpu tag posting
 * keeps its global free tags in.  It never reached mainline; this is written
 * from its description (spec/generations.md): a bitmap of @nr bits, set
 * meaning allocated, with levels of summary words above it, a summary bit
 * set when the word below it is full, so that a search for a clear bit
 * walks one word per level instead of the whole map.  The struct holds its
 * lock and, for a small map, its words.
 */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/spinlock_types.h>

#define BITMAP_TREE_MAX_DEPTH	6	/* 64^6 bits: more than a tag can number */
#define BITMAP_TREE_INLINE	4	/* words kept in the struct itself */

struct bitmap_tree {
	spinlock_t	lock;
	unsigned int	nr;		/* bits in the map */
	unsigned int	depth;		/* levels; the leaves are the last */
	unsigned int	level[BITMAP_TREE_MAX_DEPTH + 1]; /* first word of each */
	unsigned long	*words;		/* every level, the top first */
	unsigned long	inline_words[BITMAP_TREE_INLINE];
};

int bitmap_tree_init(struct bitmap_tree *tree, unsigned int nr);
void bitmap_tree_free(struct bitmap_tree *tree);
void bitmap_tree_clear_bit(struct bitmap_tree *tree, unsigned int bit);
int __bitmap_tree_find_set_bits(struct bitmap_tree *tree, unsigned int *out,
				unsigned int nr, unsigned int start);

/* later trees' name for bitmap_tree_free() */
#define bitmap_tree_destroy(tree)	bitmap_tree_free(tree)

/*
 * bitmap_tree_find_set_bits(tree, out, nr) as the posting calls it, or
 * bitmap_tree_find_set_bits(tree, out, nr, start, gfp) as later trees do:
 * set up to @nr clear bits (searching from @start first), store their
 * numbers in @out, return how many (0: none).  The map never grows, so the
 * gfp mask is not needed.
 */
#define __bitmap_tree_find_3(tree, out, nr) \
	__bitmap_tree_find_set_bits(tree, out, nr, 0)
#define __bitmap_tree_find_5(tree, out, nr, start, gfp) \
	({ (void)(gfp); __bitmap_tree_find_set_bits(tree, out, nr, start); })
#define __bitmap_tree_pick(_1, _2, _3, _4, _5, fn, ...)	fn
#define bitmap_tree_find_set_bits(...)					\
	__bitmap_tree_pick(__VA_ARGS__, __bitmap_tree_find_5, _,	\
			   __bitmap_tree_find_3, _, _)(__VA_ARGS__)

#endif /* _LINUX_BITMAP_TREE_H */
