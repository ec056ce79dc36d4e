/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RANDOM_H
#define _LINUX_RANDOM_H
#include <linux/types.h>

/* per-thread xorshift: reproducible, as a seeded run needs */
u32 prandom_u32(void);
#define get_random_u32()	prandom_u32()
#define get_random_int()	prandom_u32()

/* uniform in [0, @ceil), by the high half of a 64-bit product */
static inline u32 prandom_u32_max(u32 ceil)
{
	return (u32)(((u64)prandom_u32() * ceil) >> 32);
}

static inline u32 get_random_u32_below(u32 ceil)
{
	return prandom_u32_max(ceil);
}
#endif
