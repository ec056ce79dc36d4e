// SPDX-License-Identifier: GPL-2.0
/*
 * The bitmap tree of <linux/bitmap-tree.h>.  Word w of a level has its
 * children at words w * BITS_PER_LONG .. of the level below; bits past the
 * end of a level are set at init, so that they read as allocated (a leaf)
 * or full (a summary) and no search ever takes them.
 */
#include <linux/bitmap-tree.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

/* how many words the level holding @bits bits needs */
static unsigned int level_words(unsigned int bits)
{
	return DIV_ROUND_UP(bits, BITS_PER_LONG);
}

/* set every bit from @from to the end of the level's last word */
static void pad_level(unsigned long *words, unsigned int from, unsigned int nr_words)
{
	for (unsigned int bit = from; bit < nr_words * BITS_PER_LONG; bit++)
		__set_bit(bit, words);
}

/**
 * bitmap_tree_init() - a map of @nr clear bits
 * @tree: the tree
 * @nr: bits in the map
 *
 * Return: 0, or -ENOMEM.
 */
int bitmap_tree_init(struct bitmap_tree *tree, unsigned int nr)
{
	unsigned int sizes[BITMAP_TREE_MAX_DEPTH], depth = 0, total = 0;
	unsigned int bits = nr ? nr : 1;

	memset(tree, 0, sizeof(*tree));
	spin_lock_init(&tree->lock);
	tree->nr = nr;
	do {
		if (depth == BITMAP_TREE_MAX_DEPTH)
			return -ENOMEM;
		sizes[depth] = bits;
		total += level_words(bits);
		bits = level_words(bits);
		depth++;
	} while (bits > 1);
	tree->depth = depth;
	/* the top first: level i of the tree holds sizes[depth - 1 - i] bits */
	for (unsigned int i = 0, first = 0; i < depth; i++) {
		tree->level[i] = first;
		first += level_words(sizes[depth - 1 - i]);
	}
	tree->level[depth] = total;
	tree->words = total <= BITMAP_TREE_INLINE ? tree->inline_words :
		      kcalloc(total, sizeof(unsigned long), GFP_KERNEL);
	if (!tree->words)
		return -ENOMEM;
	for (unsigned int i = 0; i < depth; i++) {
		unsigned int used = sizes[depth - 1 - i];

		pad_level(tree->words + tree->level[i], i == depth - 1 ? nr : used,
			  tree->level[i + 1] - tree->level[i]);
	}
	return 0;
}

/**
 * bitmap_tree_free() - release what bitmap_tree_init() allocated
 * @tree: the tree
 */
void bitmap_tree_free(struct bitmap_tree *tree)
{
	if (tree->words != tree->inline_words)
		kfree(tree->words);
	tree->words = NULL;
}

/* the number of a clear leaf bit at or after @start (wrapping), or -1 */
static long find_clear(struct bitmap_tree *tree, unsigned int start)
{
	unsigned long *leaves = tree->words + tree->level[tree->depth - 1];
	unsigned long word = 0;

	if (start < tree->nr && !test_bit(start, leaves))
		return start;
	for (unsigned int i = 0; i < tree->depth; i++) {
		unsigned long *w = tree->words + tree->level[i] + word;

		if (*w == ~0UL)
			return -1;	/* only the top can be full here */
		word = word * BITS_PER_LONG + __ffs(~*w);
	}
	return word;
}

/* after bit @bit of the leaves was set: mark full words full above it */
static void set_upwards(struct bitmap_tree *tree, unsigned long bit)
{
	for (int i = tree->depth - 1; i >= 0; i--) {
		unsigned long *level = tree->words + tree->level[i];

		__set_bit(bit, level);
		if (level[bit / BITS_PER_LONG] != ~0UL)
			return;
		bit /= BITS_PER_LONG;
	}
}

/**
 * __bitmap_tree_find_set_bits() - take up to @nr clear bits
 * @tree: the tree
 * @out: their numbers
 * @nr: how many are wanted
 * @start: where to look first
 *
 * Return: how many were taken, 0 when every bit was set.
 */
int __bitmap_tree_find_set_bits(struct bitmap_tree *tree, unsigned int *out,
				unsigned int nr, unsigned int start)
{
	unsigned long flags;
	int found = 0;

	spin_lock_irqsave(&tree->lock, flags);
	while (found < nr) {
		long bit = find_clear(tree, start);

		if (bit < 0)
			break;
		set_upwards(tree, bit);
		out[found++] = bit;
		start = bit + 1;
	}
	spin_unlock_irqrestore(&tree->lock, flags);
	return found;
}

/**
 * bitmap_tree_clear_bit() - give bit @bit back
 * @tree: the tree
 * @bit: a set bit below tree->nr
 */
void bitmap_tree_clear_bit(struct bitmap_tree *tree, unsigned int bit)
{
	unsigned long flags, pos = bit;

	if (WARN_ON_ONCE(bit >= tree->nr))
		return;
	spin_lock_irqsave(&tree->lock, flags);
	WARN_ON_ONCE(!test_bit(bit, tree->words + tree->level[tree->depth - 1]));
	for (int i = tree->depth - 1; i >= 0; i--) {
		unsigned long *level = tree->words + tree->level[i];
		bool was_full = level[pos / BITS_PER_LONG] == ~0UL;

		__clear_bit(pos, level);
		if (!was_full)
			break;
		pos /= BITS_PER_LONG;
	}
	spin_unlock_irqrestore(&tree->lock, flags);
}
