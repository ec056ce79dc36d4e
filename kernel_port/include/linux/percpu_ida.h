/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu_ida: a tag allocator with per-CPU caches (design A, 3.14+ API).
 * Written for this project from the behaviour described in spec/.
 */
#ifndef __PERCPU_IDA_H__
#define __PERCPU_IDA_H__

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/spinlock_types.h>
#include <linux/wait.h>
#include <linux/cpumask.h>

struct percpu_ida_cpu;

struct percpu_ida {
	/* fixed at init; read by every CPU, written by none */
	unsigned int			nr_tags;
	unsigned int			percpu_max_size;
	unsigned int			percpu_batch_size;
	struct percpu_ida_cpu __percpu	*tag_cpu;

	/*
	 * Hint for thieves: a CPU with a non-empty cache always has its bit
	 * set.  The converse need not hold.
	 */
	cpumask_t			cpus_have_tags;

	/* the shared part, on its own cacheline */
	struct {
		spinlock_t		lock;
		unsigned int		cpu_last_stolen;
		wait_queue_head_t	wait;
		unsigned int		nr_free;
		unsigned int		*freelist;
	} ____cacheline_aligned_in_smp;
};

/* Tags moved per refill or spill, and the size of each CPU's cache. */
#define IDA_DEFAULT_PCPU_BATCH_MOVE	32U
#define IDA_DEFAULT_PCPU_SIZE		((IDA_DEFAULT_PCPU_BATCH_MOVE * 3) / 2)

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

#endif /* __PERCPU_IDA_H__ */
