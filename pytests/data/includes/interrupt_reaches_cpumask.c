/* interrupt.h alone: irqreturn_t, irq state and atomics. */
#include <linux/interrupt.h>

irqreturn_t probe(int irq, atomic_t *count)
{
	if (in_interrupt() && num_online_cpus())
		atomic_inc(count);
	return IRQ_HANDLED;
}
