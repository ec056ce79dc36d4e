/* percpu.h alone: the page allocator (gfp.h) comes with it, as upstream
 * percpu_ida.c relies on for __get_free_pages()/get_order(). */
#include <linux/percpu.h>

struct probe_cpu { unsigned int nr; };

unsigned long probe(void)
{
	struct probe_cpu __percpu *pc = alloc_percpu(struct probe_cpu);
	unsigned long pages = __get_free_pages(GFP_KERNEL, get_order(3 * PAGE_SIZE));

	per_cpu_ptr(pc, 0)->nr = 1;
	free_pages(pages, get_order(3 * PAGE_SIZE));
	free_percpu(pc);
	return pages;
}
