/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H
#include <string.h>
#include <linux/types.h>
#endif
