/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_HARDIRQ_H
#define _LINUX_HARDIRQ_H
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bug.h>
#define synchronize_irq(irq)	do { } while (0)
#endif
