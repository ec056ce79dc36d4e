/* every this_cpu/raw_cpu/__this_cpu op on a dynamic per-cpu pointer */
#include <linux/percpu.h>

struct counters {
	long a;
	unsigned int b;
};

long probe(struct counters __percpu *c)
{
	long r = this_cpu_add_return(c->a, 3) + this_cpu_sub_return(c->a, 1);
	unsigned int old = 0;

	this_cpu_xchg(c->b, 7U);
	this_cpu_try_cmpxchg(c->b, &old, 8U);
	raw_cpu_inc(c->a);
	r += raw_cpu_read(c->a) + __this_cpu_read(c->a) + __this_cpu_inc_return(c->a);
	this_cpu_or(c->b, 1U);
	return r;
}
