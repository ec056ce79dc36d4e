/* u64/s64 are long long: %llu and atomic64_try_cmpxchg on s64 */
#include <linux/kernel.h>
#include <linux/atomic.h>

int probe(char *buf, atomic64_t *v)
{
	u64 big = 1ULL << 40;
	s64 old = atomic64_read(v);
	long long *p = &old;

	atomic64_try_cmpxchg(v, p, old + 1);
	return snprintf(buf, 32, "%llu %lld", big, (s64)old);
}
