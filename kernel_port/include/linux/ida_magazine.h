/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ida_mag: the reviewer's second question, an ida behind per-cpu
 * magazines (Bonwick and Adams, USENIX 2001).
 */
#ifndef _LINUX_IDA_MAGAZINE_H
#define _LINUX_IDA_MAGAZINE_H

#include <linux/cache.h>
#include <linux/idr.h>
#include <linux/spinlock_types.h>
#include <linux/tag_pool.h>

struct tag_magazine;
struct ida_mag_cpu;

struct ida_mag {
	/* fixed at init */
	unsigned int			nr_tags;
	unsigned int			mag_size;	/* rounds a magazine holds */
	struct ida_mag_cpu __percpu	*cpus;
	void				*magazines;	/* all of them, one block */

	/* the depot: full magazines, and empty ones for the frees */
	struct {
		spinlock_t		depot_lock;
		struct tag_magazine	*full;
		struct tag_magazine	*empty;
		unsigned int		nr_full;
	} ____cacheline_aligned_in_smp;

	/* below the depot, the ida, under one lock */
	struct {
		spinlock_t		ida_lock;
		struct ida		ida;
		unsigned int		nr_busy;	/* ids out of the ida */
		unsigned int		cpu_last_stolen;
		wait_queue_head_t	wait;
	} ____cacheline_aligned_in_smp;
};

/* Rounds per magazine; a CPU holds two magazines. */
#define IDA_MAG_DEFAULT_SIZE	32U

DECLARE_TAG_POOL(ida_mag);

#endif /* _LINUX_IDA_MAGAZINE_H */
