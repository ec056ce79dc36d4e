/* get_cpu()/put_cpu() and get_cpu_var() */
#include <linux/smp.h>
#include <linux/percpu.h>

static DEFINE_PER_CPU(int, seen);

int probe(void)
{
	int cpu = get_cpu();

	get_cpu_var(seen) = cpu;
	put_cpu_var(seen);
	put_cpu();
	return cpu;
}
