/* atomic_dec_if_positive() as a counting semaphore */
#include <linux/atomic.h>

static atomic_t credits = ATOMIC_INIT(4);

bool probe(void)
{
	return atomic_dec_if_positive(&credits) >= 0;
}
