/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness side of an image: the allocator adapter and the C loops that
 * drive it.  One image holds one allocator; these names are what the torture
 * loop and the Python side use, whatever the allocator is.
 */
#ifndef _SHIM_HARNESS_H
#define _SHIM_HARNESS_H

#include "../internal.h"

struct hk_pool;

/* Features of the allocator's API, as the adapter was built for it. */
#define HK_FEAT_INIT_SIZES	0x01	/* sizes settable at init */
#define HK_FEAT_FOR_EACH_FREE	0x02
#define HK_FEAT_FREE_TAGS	0x04
#define HK_FEAT_INTERRUPTIBLE	0x08	/* alloc takes a task state */

/* Run in kernel context (a task holding a vCPU, or an irq handler). */
long hk_alloc_tag(struct hk_pool *pool, int state);
void hk_free_tag(struct hk_pool *pool, unsigned int tag);
unsigned long hk_pool_nr_tags(struct hk_pool *pool);

#endif /* _SHIM_HARNESS_H */
