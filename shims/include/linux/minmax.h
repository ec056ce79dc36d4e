/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MINMAX_H
#define _LINUX_MINMAX_H

#include <linux/compiler.h>

/*
 * min(), max(), clamp() and friends.  Type-checked as the kernel's (mixing
 * types earns a warning), each argument evaluated once, and, when both are
 * integer constant expressions, a constant expression themselves: an array
 * size or a BUILD_BUG_ON() in a function may use them.  At file scope GCC
 * refuses the statement expression even in the branch not taken, as it does
 * for the kernel's: MIN() and MAX() are for there, as in the kernel.
 */
/* 1 if @x is an integer constant expression: only then is the null pointer
 * constant (void *)0 of the conditional's second operand, and the result an
 * int pointer */
#define __is_constexpr(x)						\
	(sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))

#define __cmp_once(x, y, op) ({						\
	typeof(x) __x = (x);						\
	typeof(y) __y = (y);						\
	(void)(&__x == &__y);						\
	__x op __y ? __x : __y;						\
})
#define __careful_cmp(x, y, op)						\
	__builtin_choose_expr(__is_constexpr(x) && __is_constexpr(y),	\
			      ((x) op (y) ? (x) : (y)), __cmp_once(x, y, op))

#define min(x, y)		__careful_cmp(x, y, <)
#define max(x, y)		__careful_cmp(x, y, >)
#define min3(x, y, z)		min((typeof(x))min(x, y), z)
#define max3(x, y, z)		max((typeof(x))max(x, y), z)
#define min_t(type, x, y)	__careful_cmp((type)(x), (type)(y), <)
#define max_t(type, x, y)	__careful_cmp((type)(x), (type)(y), >)
#define min_not_zero(x, y) ({						\
	typeof(x) __mx = (x);						\
	typeof(y) __my = (y);						\
	__mx == 0 ? __my : (__my == 0 ? __mx : min(__mx, __my));	\
})
#define clamp(val, lo, hi)	min((typeof(val))max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi)	clamp_t(typeof(val), val, lo, hi)
/* constant expressions only, usable anywhere (file scope included) */
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define MIN_T(type, a, b)	MIN((type)(a), (type)(b))
#define MAX_T(type, a, b)	MAX((type)(a), (type)(b))

#define swap(a, b)							\
	do { typeof(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)

#endif /* _LINUX_MINMAX_H */
