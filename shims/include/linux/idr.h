/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IDR_H
#define _LINUX_IDR_H
/*
 * Upstream percpu_ida.c includes this for history's sake.  In this project's
 * images kernel_port/include/linux/idr.h, the ida baseline, comes first on
 * the include path and stands in for it.
 */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>
#endif
