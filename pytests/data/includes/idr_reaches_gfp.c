/* idr.h alone, as upstream percpu_ida.c includes it: gfp, spinlocks,
 * per-cpu pointers. */
#include <linux/idr.h>

static DEFINE_SPINLOCK(probe_lock);

int probe(int __percpu *counts)
{
	unsigned long flags;
	gfp_t gfp = GFP_NOWAIT;
	int n;

	spin_lock_irqsave(&probe_lock, flags);
	n = *this_cpu_ptr(counts);
	spin_unlock_irqrestore(&probe_lock, flags);
	return n + (gfp ? 1 : 0);
}
