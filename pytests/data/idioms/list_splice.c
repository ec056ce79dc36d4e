/* the list_splice family and list_move */
#include <linux/list.h>

int probe(struct list_head *a, struct list_head *b, struct list_head *c)
{
	LIST_HEAD(local);

	list_splice_init(a, &local);
	list_splice_tail(b, &local);
	list_splice_tail_init(c, &local);
	list_splice(&local, a);
	if (!list_empty(a))
		list_move(a->next, b);
	return list_is_singular(b);
}
