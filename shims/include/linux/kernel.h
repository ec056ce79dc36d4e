/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <limits.h>
#include <stdarg.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/cache.h>
#include <linux/stddef.h>
/* export.h through linkage.h, and log2.h, as the kernel's kernel.h has them */
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/minmax.h>

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
#define S32_MAX		((s32)(U32_MAX >> 1))
#define S64_MAX		((s64)(U64_MAX >> 1))

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#define rounddown(x, y)	((x) - ((x) % (y)))
#define __round_mask(x, y) ((__typeof__(x))((y) - 1))
#define round_up(x, y)	((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y) ((x) & ~__round_mask(x, y))
#define ALIGN(x, a)	(((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)(n))

#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	((type *)(__mptr - offsetof(type, member)));			\
})

/* Type-checked like the kernel's: mixing types earns a warning. */
#define typecheck(type, x) ({						\
	type __dummy;							\
	typeof(x) __dummy2;						\
	(void)(&__dummy == &__dummy2);					\
	1;								\
})

#define might_sleep()	shim_might_sleep(__FILE__, __LINE__, __func__)
#define might_sleep_if(cond) do { if (cond) might_sleep(); } while (0)
#define might_resched()	do { } while (0)
#define cant_sleep()	WARN_ON_ONCE(!in_atomic() && !irqs_disabled())


#define __CONCAT_HELPER(a, b)	a##b

int sprintf(char *buf, const char *fmt, ...);
int snprintf(char *buf, size_t size, const char *fmt, ...);
int scnprintf(char *buf, size_t size, const char *fmt, ...);

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && ((n & (n - 1)) == 0);
}

#endif /* _LINUX_KERNEL_H */
