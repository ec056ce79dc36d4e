/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KCONFIG_H
#define _LINUX_KCONFIG_H

#include <generated/autoconf.h>

/*
 * IS_ENABLED(CONFIG_FOO): 1 when CONFIG_FOO (or CONFIG_FOO_MODULE) is
 * defined to 1, else 0, usable in #if and in C.  An option defined to 1
 * expands __SHIM_ON_1 to "0," and the pick takes the second of "0, 1, 0";
 * anything else leaves one junk token and the pick takes 0.
 */
#define __SHIM_ON_1			0,
#define __shim_take_second(ignored, val, ...) val
#define ___shim_is_on(junk_or_comma)	__shim_take_second(junk_or_comma 1, 0)
#define __shim_is_on(x)			___shim_is_on(__SHIM_ON_##x)
#define IS_BUILTIN(option)		__shim_is_on(option)
#define IS_MODULE(option)		__shim_is_on(option##_MODULE)
#define IS_REACHABLE(option)		IS_BUILTIN(option)
#define IS_ENABLED(option)		(IS_BUILTIN(option) || IS_MODULE(option))

#endif /* _LINUX_KCONFIG_H */
