/* for_each_cpu_and and the cpumask set operations */
#include <linux/cpumask.h>

unsigned int probe(struct cpumask *dst, const struct cpumask *a)
{
	unsigned int cpu, n = 0;

	for_each_cpu_and(cpu, a, cpu_online_mask)
		n++;
	cpumask_andnot(dst, cpu_possible_mask, a);
	cpumask_or(dst, dst, cpu_online_mask);
	cpumask_xor(dst, dst, a);
	return n + cpumask_intersects(dst, a) + cpumask_subset(a, cpu_possible_mask) +
	       cpumask_weight(dst) + cpumask_first_and(a, cpu_online_mask);
}
