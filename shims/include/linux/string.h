/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H
/* libc declares an ffs() of its own; <linux/bitops.h> has the kernel's */
#define ffs __libc_ffs
#include <string.h>
#undef ffs
#include <linux/types.h>
#endif
