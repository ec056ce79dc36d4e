/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu_ida as first posted (June 2013): lockless per-CPU caches claimed
 * with cmpxchg, and a sentinel count that marks a cache being stolen.  Same
 * API as the merged version.  Written for this project from spec/.
 */
#ifndef __PERCPU_IDA_V1_H__
#define __PERCPU_IDA_V1_H__

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/spinlock_types.h>
#include <linux/wait.h>
#include <linux/cpumask.h>

struct percpu_ida_cpu;

struct percpu_ida {
	unsigned int			nr_tags;
	unsigned int			percpu_max_size;
	unsigned int			percpu_batch_size;
	struct percpu_ida_cpu __percpu	*tag_cpu;

	/* bit per CPU whose cache may hold tags (set whenever it does) */
	unsigned long			*cpus_have_tags;

	struct {
		spinlock_t		lock;
		unsigned int		cpu_last_stolen;
		wait_queue_head_t	wait;
		unsigned int		nr_free;
		unsigned int		*freelist;
	} ____cacheline_aligned_in_smp;
};

#define IDA_DEFAULT_PCPU_BATCH_MOVE	32U
#define IDA_DEFAULT_PCPU_SIZE		64U

typedef int (*percpu_ida_cb)(unsigned int, void *);

int percpu_ida_alloc(struct percpu_ida *pool, int state);
void percpu_ida_free(struct percpu_ida *pool, unsigned int tag);
void percpu_ida_destroy(struct percpu_ida *pool);
int __percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags,
		      unsigned long max_size, unsigned long batch_size);
int percpu_ida_for_each_free(struct percpu_ida *pool, percpu_ida_cb fn,
			     void *data);
unsigned int percpu_ida_free_tags(struct percpu_ida *pool, int cpu);

static inline int percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags)
{
	return __percpu_ida_init(pool, nr_tags, IDA_DEFAULT_PCPU_SIZE,
				 IDA_DEFAULT_PCPU_BATCH_MOVE);
}

#endif /* __PERCPU_IDA_V1_H__ */
