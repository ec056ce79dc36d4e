/* <linux/bits.h>: BIT(), GENMASK() in constant expressions */
#include <linux/bits.h>

#define FIELD	GENMASK(7, 4)
static const unsigned long table[] = { BIT(3), BIT_ULL(40), FIELD };
_Static_assert(GENMASK(7, 4) == 0xf0, "GENMASK");
_Static_assert(GENMASK_ULL(63, 62) == 0xc000000000000000ULL, "GENMASK_ULL");

unsigned long probe(unsigned int i)
{
	return table[i % 3] & BIT_MASK(i);
}
