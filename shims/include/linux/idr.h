/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IDR_H
#define _LINUX_IDR_H
/*
 * Upstream percpu_ida.c includes this for history's sake.  The ida baseline
 * of this project is a separate allocator image, not this header.
 */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>
#endif
