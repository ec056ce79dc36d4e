/* bitmap.h alone: bitops, memset and DIV_ROUND_UP(). */
#include <linux/bitmap.h>

unsigned long probe(unsigned long *map, unsigned int nbits)
{
	bitmap_zero(map, nbits);
	set_bit(3, map);
	return find_next_zero_bit(map, nbits, 0) + DIV_ROUND_UP(nbits, BITS_PER_LONG);
}
