/* spinlock.h alone: irq toggles, atomics, cpu_relax(). */
#include <linux/spinlock.h>

int probe(spinlock_t *lock, atomic_t *v)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	atomic_inc(v);
	spin_unlock_irqrestore(lock, flags);
	cpu_relax();
	return atomic_read(v) + irqs_disabled();
}
