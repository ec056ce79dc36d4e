/* hlist_* for a hash table */
#include <linux/list.h>
#include <linux/kernel.h>

struct item {
	int key;
	struct hlist_node node;
};

static struct hlist_head buckets[8];

struct item *probe(struct item *it, int key)
{
	struct item *pos;
	struct hlist_node *tmp;

	INIT_HLIST_NODE(&it->node);
	hlist_add_head(&it->node, &buckets[key & 7]);
	hlist_for_each_entry(pos, &buckets[key & 7], node)
		if (pos->key == key)
			return pos;
	hlist_for_each_entry_safe(pos, tmp, &buckets[key & 7], node)
		hlist_del_init(&pos->node);
	return hlist_empty(&buckets[0]) ? NULL : it;
}
