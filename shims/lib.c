// SPDX-License-Identifier: GPL-2.0
/* Bitmap search and counting, read with marked loads (bits change under us). */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/slab.h>

static unsigned long load_word(const unsigned long *addr, unsigned long idx)
{
	return __atomic_load_n(addr + idx, __ATOMIC_RELAXED);
}

static unsigned long find_next(const unsigned long *addr, unsigned long size,
			       unsigned long start, unsigned long invert)
{
	unsigned long word;

	if (start >= size)
		return size;
	word = (load_word(addr, BIT_WORD(start)) ^ invert) &
	       BITMAP_FIRST_WORD_MASK(start);
	start = round_down(start, BITS_PER_LONG);
	while (!word) {
		start += BITS_PER_LONG;
		if (start >= size)
			return size;
		word = load_word(addr, BIT_WORD(start)) ^ invert;
	}
	start += __ffs(word);
	return start < size ? start : size;
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset)
{
	return find_next(addr, size, offset, 0UL);
}

unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset)
{
	return find_next(addr, size, offset, ~0UL);
}

unsigned long find_last_bit(const unsigned long *addr, unsigned long size)
{
	unsigned long idx;

	if (!size)
		return size;
	idx = (size - 1) / BITS_PER_LONG;
	for (;;) {
		unsigned long word = load_word(addr, idx);

		if (idx == (size - 1) / BITS_PER_LONG)
			word &= BITMAP_LAST_WORD_MASK(size);
		if (word)
			return idx * BITS_PER_LONG + __fls(word);
		if (!idx)
			return size;
		idx--;
	}
}

int __bitmap_weight(const unsigned long *bitmap, unsigned int nbits)
{
	unsigned int k, lim = nbits / BITS_PER_LONG;
	int w = 0;

	for (k = 0; k < lim; k++)
		w += hweight_long(load_word(bitmap, k));
	if (nbits % BITS_PER_LONG)
		w += hweight_long(load_word(bitmap, k) &
				  BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

bool __bitmap_empty(const unsigned long *bitmap, unsigned int nbits)
{
	return find_first_bit(bitmap, nbits) >= nbits;
}

bool __bitmap_full(const unsigned long *bitmap, unsigned int nbits)
{
	return find_first_zero_bit(bitmap, nbits) >= nbits;
}

bool __bitmap_equal(const unsigned long *a, const unsigned long *b,
		    unsigned int nbits)
{
	for (unsigned int k = 0; k < nbits; k++)
		if (test_bit(k, a) != test_bit(k, b))
			return false;
	return true;
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__set_bit(start++, map);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__clear_bit(start++, map);
}

bool __bitmap_and(unsigned long *dst, const unsigned long *a,
		  const unsigned long *b, unsigned int nbits)
{
	unsigned long res = 0;

	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++) {
		dst[k] = a[k] & b[k];
		if (k == BITS_TO_LONGS(nbits) - 1 && nbits % BITS_PER_LONG)
			dst[k] &= BITMAP_LAST_WORD_MASK(nbits);
		res |= dst[k];
	}
	return res != 0;
}

void __bitmap_or(unsigned long *dst, const unsigned long *a,
		 const unsigned long *b, unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		dst[k] = a[k] | b[k];
}

unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)
{
	return kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			     flags);
}

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return bitmap_alloc(nbits, flags | __GFP_ZERO);
}

void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

/* Word by word, with the last word masked to @nbits, as the others here. */
bool __bitmap_andnot(unsigned long *dst, const unsigned long *a,
		     const unsigned long *b, unsigned int nbits)
{
	unsigned long any = 0;

	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++) {
		dst[k] = a[k] & ~b[k];
		if (k == nbits / BITS_PER_LONG)
			dst[k] &= BITMAP_LAST_WORD_MASK(nbits);
		any |= dst[k];
	}
	return any != 0;
}

void __bitmap_xor(unsigned long *dst, const unsigned long *a,
		  const unsigned long *b, unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		dst[k] = a[k] ^ b[k];
}

void __bitmap_complement(unsigned long *dst, const unsigned long *src,
			 unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		dst[k] = ~src[k];
}

static unsigned long tail_mask(unsigned int k, unsigned int nbits)
{
	return k == (nbits - 1) / BITS_PER_LONG ? BITMAP_LAST_WORD_MASK(nbits) : ~0UL;
}

bool __bitmap_intersects(const unsigned long *a, const unsigned long *b,
			 unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		if (a[k] & b[k] & tail_mask(k, nbits))
			return true;
	return false;
}

bool __bitmap_subset(const unsigned long *a, const unsigned long *b,
		     unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		if (a[k] & ~b[k] & tail_mask(k, nbits))
			return false;
	return true;
}

/*
 * The first aligned candidate at or after @start; if a set bit lies inside
 * the run, start again past it.
 */
unsigned long bitmap_find_next_zero_area_off(unsigned long *map,
					     unsigned long size,
					     unsigned long start,
					     unsigned int nr,
					     unsigned long align_mask,
					     unsigned long align_offset)
{
	for (;;) {
		unsigned long index, end, busy;

		index = find_next_zero_bit(map, size, start);
		index = ((index + align_offset + align_mask) & ~align_mask) -
			align_offset;
		end = index + nr;
		if (end > size)
			return end;
		busy = find_next_bit(map, end, index);
		if (busy >= end)
			return index;
		start = busy + 1;
	}
}
