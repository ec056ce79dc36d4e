/* gfp.h alone. */
#include <linux/gfp.h>

bool probe(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) && get_order(PAGE_SIZE + 1) == 1;
}
