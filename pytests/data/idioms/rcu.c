/* <linux/rcupdate.h>: readers, rcu_assign_pointer, synchronize_rcu, call_rcu, kfree_rcu */
#include <linux/rcupdate.h>
#include <linux/slab.h>

struct config {
	int value;
	struct rcu_head rcu;
};

static struct config __rcu *current_config;

static void config_free(struct rcu_head *head)
{
	kfree(container_of(head, struct config, rcu));
}

int probe(struct config *fresh, struct config *other)
{
	struct config *old, *c;
	int v;

	rcu_read_lock();
	c = rcu_dereference(current_config);
	v = c ? c->value : -1;
	rcu_read_unlock();
	old = rcu_dereference_protected(current_config, 1);
	rcu_assign_pointer(current_config, fresh);
	synchronize_rcu();
	kfree(old);
	call_rcu(&other->rcu, config_free);
	kfree_rcu(fresh, rcu);
	return v;
}
