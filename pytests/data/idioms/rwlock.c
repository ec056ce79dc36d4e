/* rwlock_t: read_lock/write_lock and their irq variants */
#include <linux/spinlock.h>

static DEFINE_RWLOCK(table_lock);
static int table[4];

int probe(int i)
{
	unsigned long flags;
	int v;

	read_lock(&table_lock);
	v = table[i & 3];
	read_unlock(&table_lock);
	write_lock_irqsave(&table_lock, flags);
	table[i & 3] = v + 1;
	write_unlock_irqrestore(&table_lock, flags);
	return v;
}
