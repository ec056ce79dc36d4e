/* cpumask.h alone: NR_CPUS, bitmaps and the kernel's min(). */
#include <linux/cpumask.h>

unsigned int probe(const struct cpumask *mask)
{
	DECLARE_BITMAP(bits, NR_CPUS);

	bitmap_zero(bits, NR_CPUS);
	return min(cpumask_first(mask), nr_cpu_ids) + cpumask_weight(mask);
}
