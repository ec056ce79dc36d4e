/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_THREADS_H
#define _LINUX_THREADS_H
#include <shim/runtime.h>
#include <linux/kconfig.h>
#endif
