/* mainline <linux/local_lock.h>: a per-cpu local_lock_t */
#include <linux/local_lock.h>
#include <linux/percpu.h>

struct pcp_stock {
	local_lock_t lock;
	int nr;
};

static DEFINE_PER_CPU(struct pcp_stock, stock) = { .lock = INIT_LOCAL_LOCK(lock) };

int probe(void)
{
	unsigned long flags;
	int nr;

	local_lock(&stock.lock);
	nr = __this_cpu_inc_return(stock.nr);
	local_unlock(&stock.lock);
	local_lock_irqsave(&stock.lock, flags);
	nr += this_cpu_read(stock.nr);
	local_unlock_irqrestore(&stock.lock, flags);
	return nr;
}
