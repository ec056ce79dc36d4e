/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/time64.h>

/*
 * Time in ticks.  The threaded engine's clock is real time since boot; the
 * deterministic engine's is virtual and moves only when a timeout fires.
 * As in the kernel, jiffies starts five minutes before it wraps, so code that
 * compares ticks without time_after() fails early.
 */
#define HZ			250
#define TICK_NSEC		(NSEC_PER_SEC / HZ)
#define INITIAL_JIFFIES		((unsigned long)(unsigned int)(-300 * HZ))
#define MAX_JIFFY_OFFSET	((LONG_MAX >> 1) - 1)

uint64_t shim_clock_ns(void);

static inline u64 get_jiffies_64(void)
{
	return INITIAL_JIFFIES + shim_clock_ns() / TICK_NSEC;
}

/* a read of the tick counter, as the kernel's volatile jiffies is */
#define jiffies			((unsigned long)get_jiffies_64())
#define jiffies_64		get_jiffies_64()

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define time_in_range(a, b, c)	(time_after_eq(a, b) && time_before_eq(a, c))
#define time_in_range_open(a, b, c) (time_after_eq(a, b) && time_before(a, c))
#define time_after64(a, b)	((s64)((b) - (a)) < 0)
#define time_before64(a, b)	time_after64(b, a)
#define time_after_eq64(a, b)	((s64)((a) - (b)) >= 0)
#define time_before_eq64(a, b)	time_after_eq64(b, a)
#define time_is_before_jiffies(a)	time_after(jiffies, a)
#define time_is_after_jiffies(a)	time_before(jiffies, a)
#define time_is_before_eq_jiffies(a)	time_after_eq(jiffies, a)
#define time_is_after_eq_jiffies(a)	time_before_eq(jiffies, a)

/* rounding up, as the kernel's do: a timeout never ends early */
static inline unsigned long __shim_ns_to_jiffies(u64 ns)
{
	u64 j = (ns + TICK_NSEC - 1) / TICK_NSEC;

	return j > MAX_JIFFY_OFFSET ? MAX_JIFFY_OFFSET : (unsigned long)j;
}

static inline unsigned long msecs_to_jiffies(const unsigned int m)
{
	return __shim_ns_to_jiffies((u64)m * NSEC_PER_MSEC);
}

static inline unsigned long usecs_to_jiffies(const unsigned int u)
{
	return __shim_ns_to_jiffies((u64)u * NSEC_PER_USEC);
}

static inline unsigned long nsecs_to_jiffies(u64 n)
{
	return __shim_ns_to_jiffies(n);
}

static inline unsigned int jiffies_to_msecs(const unsigned long j)
{
	return (unsigned int)(j * (MSEC_PER_SEC / HZ));
}

static inline unsigned int jiffies_to_usecs(const unsigned long j)
{
	return (unsigned int)(j * (USEC_PER_SEC / HZ));
}

static inline u64 jiffies_to_nsecs(const unsigned long j)
{
	return (u64)j * TICK_NSEC;
}

static inline u64 jiffies64_to_nsecs(u64 j)
{
	return j * TICK_NSEC;
}

#define secs_to_jiffies(s)	((unsigned long)(s) * HZ)

#endif /* _LINUX_JIFFIES_H */
