/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RANDOM_H
#define _LINUX_RANDOM_H
#include <linux/types.h>
u32 prandom_u32(void);
#define get_random_u32()	prandom_u32()
#define get_random_int()	prandom_u32()
#endif
