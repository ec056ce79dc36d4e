/* DEFINE_PER_CPU, per_cpu() and this_cpu_* on a static per-cpu variable */
#include <linux/percpu.h>

static DEFINE_PER_CPU(unsigned long, hits);
DEFINE_PER_CPU_SHARED_ALIGNED(int, owner);

unsigned long probe(unsigned int cpu)
{
	unsigned long old;

	this_cpu_inc(hits);
	old = this_cpu_cmpxchg(hits, 1UL, 2UL);
	__this_cpu_write(owner, (int)old);
	return per_cpu(hits, cpu) + this_cpu_inc_return(hits) + *per_cpu_ptr(&hits, cpu);
}
