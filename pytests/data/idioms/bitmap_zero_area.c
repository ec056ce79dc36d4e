/* bitmap_find_next_zero_area() for a contiguous run */
#include <linux/bitmap.h>

unsigned long probe(unsigned long *map, unsigned long size, unsigned int nr)
{
	unsigned long start = bitmap_find_next_zero_area(map, size, 0, nr, 0);

	if (start < size)
		bitmap_set(map, start, nr);
	return start;
}
