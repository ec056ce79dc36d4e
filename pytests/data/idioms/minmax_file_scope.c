/* <linux/minmax.h>: MIN()/MAX() at file scope, min()/max() as constants in a function */
#include <linux/minmax.h>
#include <linux/bug.h>

#define NR_SLOTS 8
static int slots[MIN(NR_SLOTS, 16)];
static char names[MAX(4, 2)][MIN_T(int, 10, 20)];

int probe(int a, long b)
{
	char local[min(NR_SLOTS, 4)];

	BUILD_BUG_ON(max(NR_SLOTS, 2) != 8);
	local[0] = 0;
	return (int)(min(a, 3) + max_t(long, b, 0) + clamp(a, 0, 7)) + names[0][0] +
	       slots[0] + local[0];
}
