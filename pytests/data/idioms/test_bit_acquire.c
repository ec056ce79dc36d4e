/* test_bit_acquire() pairing with clear_bit_unlock() */
#include <linux/bitops.h>

static unsigned long state;

bool probe(void)
{
	if (test_and_set_bit_lock(0, &state))
		return test_bit_acquire(0, &state);
	clear_bit_unlock(0, &state);
	return false;
}
