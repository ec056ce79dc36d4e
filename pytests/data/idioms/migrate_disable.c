/* migrate_disable(): a stable CPU number around a sleep */
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/delay.h>

int probe(void)
{
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	msleep(1);
	migrate_enable();
	return cpu;
}
