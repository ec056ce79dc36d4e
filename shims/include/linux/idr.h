/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IDR_H
#define _LINUX_IDR_H
/*
 * Upstream percpu_ida.c includes this for history's sake and uses nothing of
 * it but what it pulls in.  The ida baselines' images put
 * kernel_port/include/linux/idr.h first on the include path instead; a
 * drop-in never sees that one.
 */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/list.h>
#include <linux/percpu.h>
#endif
