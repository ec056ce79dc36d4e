/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOG2_H
#define _LINUX_LOG2_H
#include <linux/bitops.h>
/* a constant for a constant argument, so BUILD_BUG_ON() and array sizes take it */
#define ilog2(n)							\
	(__builtin_constant_p(n) ?					\
	 ((n) < 2 ? 0 : 63 - __builtin_clzll(n)) :			\
	 (int)__fls((unsigned long)(n)))
#define roundup_pow_of_two(n)	(1UL << fls64((u64)(n) - 1))
#define rounddown_pow_of_two(n)	(1UL << ilog2(n))
#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)
#endif
