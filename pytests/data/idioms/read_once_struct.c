/* READ_ONCE()/WRITE_ONCE() on an 8-byte struct and on a const pointer */
#include <linux/compiler.h>
#include <linux/list.h>

struct pair {
	int head;
	int tail;
};

int probe(struct pair *p, const struct list_head *h)
{
	struct pair snap = READ_ONCE(*p);

	WRITE_ONCE(*p, snap);
	return snap.head + snap.tail + (READ_ONCE(h->next) == h);
}
