/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MINMAX_H
#define _LINUX_MINMAX_H
/* min(), max(), clamp() and friends: they live in the shims' kernel.h */
#include <linux/kernel.h>
#endif
