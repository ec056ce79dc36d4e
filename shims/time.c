// SPDX-License-Identifier: GPL-2.0
/*
 * Time: the clock under jiffies, sleeping and busy-waiting delays.  The
 * threaded engine's clock is CLOCK_MONOTONIC since boot; the deterministic
 * engine's is virtual, moved only by a timeout it decides to fire and by a
 * busy-wait, so a replay sees the same times.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include "internal.h"
#include "det.h"

static uint64_t boot_ns;

void shim_time_boot(void)
{
	boot_ns = shim_now_ns();
}

uint64_t shim_clock_ns(void)
{
	if (shim_det_active)
		return shim_det_clock_ns();
	return shim_now_ns() - boot_ns;
}

/**
 * msleep() - sleep for at least @msecs milliseconds
 * @msecs: how long
 *
 * Uninterruptible: a wakeup before the time is up sleeps again.
 */
void msleep(unsigned int msecs)
{
	long timeout = msecs_to_jiffies(msecs) + 1;

	while (timeout)
		timeout = schedule_timeout_uninterruptible(timeout);
}

/**
 * msleep_interruptible() - sleep for @msecs ms unless a signal comes
 * @msecs: how long
 *
 * Return: 0, or the milliseconds left when a signal ended the sleep.
 */
unsigned long msleep_interruptible(unsigned int msecs)
{
	long timeout = msecs_to_jiffies(msecs) + 1;

	while (timeout && !signal_pending(current))
		timeout = schedule_timeout_interruptible(timeout);
	return jiffies_to_msecs(timeout);
}

/* hrtimer sleeps, at tick granularity here: never shorter than asked. */
void usleep_range(unsigned long min, unsigned long max)
{
	long timeout = usecs_to_jiffies(min);

	might_sleep();
	while (timeout)
		timeout = schedule_timeout_uninterruptible(timeout);
}

void fsleep(unsigned long usecs)
{
	if (usecs >= 20 * USEC_PER_MSEC)
		msleep(DIV_ROUND_UP(usecs, USEC_PER_MSEC));
	else
		usleep_range(usecs, 2 * usecs);
}

/* A busy wait: real spinning in the threaded engine, virtual time otherwise. */
void ndelay(unsigned long nsecs)
{
	uint64_t until;

	if (shim_det_active) {
		shim_det_clock_advance(nsecs);
		return;
	}
	until = shim_now_ns() + nsecs;
	while (shim_now_ns() < until)
		cpu_relax();
}
