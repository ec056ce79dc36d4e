/* slab.h alone: GFP_* and the page helpers. */
#include <linux/slab.h>

void *probe(void)
{
	void *p = kcalloc(4, sizeof(long), GFP_KERNEL | __GFP_NOWARN);

	if (!p)
		return (void *)__get_free_page(GFP_ATOMIC);
	return p;
}
