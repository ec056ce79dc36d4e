/* ilog2() of a constant in BUILD_BUG_ON() and an array size */
#include <linux/log2.h>
#include <linux/bug.h>

#define NR_TAGS 64
static int shift_table[ilog2(NR_TAGS) + 1];

int probe(unsigned long n)
{
	BUILD_BUG_ON(ilog2(NR_TAGS) != 6);
	return ilog2(n) + shift_table[0] + order_base_2(NR_TAGS);
}
