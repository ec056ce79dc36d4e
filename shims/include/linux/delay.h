/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H

#include <linux/kernel.h>
#include <linux/jiffies.h>

/* Sleeping delays: a task that sleeps on a timer (may_sleep contexts only). */
void msleep(unsigned int msecs);
unsigned long msleep_interruptible(unsigned int msecs);
void usleep_range(unsigned long min, unsigned long max);
void fsleep(unsigned long usecs);
#define ssleep(s)		msleep((s) * 1000)

/* Busy-waiting delays: the clock moves, the task keeps its vCPU. */
void ndelay(unsigned long nsecs);
#define udelay(n)		ndelay((n) * 1000UL)
#define mdelay(n)		ndelay((n) * 1000000UL)

#endif /* _LINUX_DELAY_H */
