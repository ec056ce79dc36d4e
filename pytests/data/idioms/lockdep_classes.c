/* lockdep_set_class, spin_lock_nested and lockdep_assert_held */
#include <linux/spinlock.h>

struct node {
	spinlock_t lock;
	struct node *parent;
};

static struct lock_class_key child_key;

void probe(struct node *n)
{
	spin_lock_init(&n->lock);
	lockdep_set_class(&n->lock, &child_key);
	spin_lock(&n->parent->lock);
	spin_lock_nested(&n->lock, SINGLE_DEPTH_NESTING);
	lockdep_assert_held(&n->lock);
	spin_unlock(&n->lock);
	spin_unlock(&n->parent->lock);
}
