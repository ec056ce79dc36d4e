/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_VERSION_H
#define _LINUX_VERSION_H
/*
 * A kernel tree generates this; an image's build says which release its
 * allocator's API generation belongs to (SHIM_LINUX_VERSION_CODE), so code
 * that follows the kernel's API by version, as out-of-tree drivers do, picks
 * the matching calls.
 */
#define KERNEL_VERSION(a, b, c)	(((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#ifdef SHIM_LINUX_VERSION_CODE
#define LINUX_VERSION_CODE	SHIM_LINUX_VERSION_CODE
#else
#define LINUX_VERSION_CODE	KERNEL_VERSION(3, 14, 0)
#endif
#define LINUX_VERSION_MAJOR	(LINUX_VERSION_CODE >> 16)
#define LINUX_VERSION_PATCHLEVEL (((LINUX_VERSION_CODE) >> 8) & 0xff)
#endif /* _LINUX_VERSION_H */
