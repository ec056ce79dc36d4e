/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/preempt.h>
#include <linux/cpumask.h>
#include <linux/atomic.h>
typedef int irqreturn_t;
#define IRQ_NONE	0
#define IRQ_HANDLED	1
#endif
