/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
#include <linux/compiler.h>
#define __initconst
#define __exit_call
#define core_initcall(fn)
#define subsys_initcall(fn)
#define device_initcall(fn)
#define late_initcall(fn)
#define module_init(fn)
#define module_exit(fn)
#endif
