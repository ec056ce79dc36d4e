/* mm.h alone: allocation, lists and atomics. */
#include <linux/mm.h>

struct probe_item { struct list_head node; atomic_t ref; };

int probe(void)
{
	struct probe_item *it = kzalloc(sizeof(*it), GFP_KERNEL);
	LIST_HEAD(head);

	if (!it)
		return -ENOMEM;
	atomic_set(&it->ref, 1);
	list_add(&it->node, &head);
	kfree(it);
	return get_order(PAGE_SIZE);
}
