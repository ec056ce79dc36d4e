/* get_random_u32_below() and prandom_u32_max() */
#include <linux/random.h>

u32 probe(u32 n)
{
	return get_random_u32_below(n) + prandom_u32_max(n) + get_random_u32();
}
