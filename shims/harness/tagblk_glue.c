// SPDX-License-Identifier: GPL-2.0
/*
 * Harness for the tagblk driver: a "hardware" queue of issued tags, request
 * bookkeeping (each must end exactly once), and entries that run the
 * driver's paths in the right context: submit in process context or in an
 * interrupt, the timer and the completion interrupt on any vCPU.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/tagblk.h>
#include <pthread.h>
#include <stdlib.h>
#include "harness.h"

static struct tagblk_dev dev;
static struct tagblk_request *reqs;
static int *ends;		/* how many times each request ended */
static int *statuses;
static long nr_reqs;
static unsigned int *hwq;	/* issued tags, in order */
static unsigned long hw_head, hw_tail;
static pthread_mutex_t hw_lock = PTHREAD_MUTEX_INITIALIZER;

static void hw_issue(struct tagblk_dev *d, unsigned int tag)
{
	pthread_mutex_lock(&hw_lock);
	hwq[hw_tail++ % d->depth] = tag;
	pthread_mutex_unlock(&hw_lock);
}

static void end_io(struct tagblk_request *rq, int status)
{
	__atomic_store_n(&statuses[rq->id], status, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ends[rq->id], 1, __ATOMIC_RELEASE);
}

struct glue_arg {
	long a, b;
};

static long do_init(void *p)
{
	struct glue_arg *g = p;

	dev.issue = hw_issue;
	return tagblk_init(&dev, g->a, g->b);
}

static long do_submit(void *p)
{
	return tagblk_submit(&dev, &reqs[((struct glue_arg *)p)->a]);
}

static long do_submit_atomic(void *p)
{
	tagblk_submit_atomic(&dev, &reqs[((struct glue_arg *)p)->a]);
	return 0;
}

static long do_complete(void *p)
{
	tagblk_complete(&dev, ((struct glue_arg *)p)->a);
	return 0;
}

static long do_timer(void *p)
{
	tagblk_run_requeue(&dev);
	return 0;
}

static long do_exit(void *p)
{
	tagblk_exit(&dev);
	return 0;
}

/**
 * hk_tagblk_init() - a device of @depth tags for @nr requests
 * Return: as hk_call(); the driver's result in @ret.
 */
SHIM_EXPORT int hk_tagblk_init(struct task_struct *t, int cpu, long depth,
			       long max_retries, long nr, long *ret)
{
	struct glue_arg g = { depth, max_retries };

	nr_reqs = nr;
	reqs = calloc(nr, sizeof(*reqs));
	ends = calloc(nr, sizeof(*ends));
	statuses = calloc(nr, sizeof(*statuses));
	hwq = calloc(depth, sizeof(*hwq));
	hw_head = hw_tail = 0;
	if (!reqs || !ends || !statuses || !hwq)
		return -ENOMEM;
	for (long i = 0; i < nr; i++) {
		reqs[i].id = i;
		reqs[i].end_io = end_io;
		INIT_LIST_HEAD(&reqs[i].queue);
	}
	return hk_call(t, cpu, do_init, &g, ret);
}

/* Submit request @id: sleeping, or (@atomic) from an interrupt. */
SHIM_EXPORT int hk_tagblk_submit(struct task_struct *t, int cpu, long id,
				 int atomic, long *ret)
{
	struct glue_arg g = { id, 0 };

	if (id < 0 || id >= nr_reqs)
		return -EINVAL;
	if (atomic)
		return hk_irq_call(cpu, do_submit_atomic, &g, ret);
	return hk_call(t, cpu, do_submit, &g, ret);
}

/* The hardware finishes its oldest request: the interrupt runs on @cpu. */
SHIM_EXPORT int hk_tagblk_complete_one(int cpu, long *ret)
{
	struct glue_arg g = { 0, 0 };
	bool any;

	pthread_mutex_lock(&hw_lock);
	any = hw_head != hw_tail;
	if (any)
		g.a = hwq[hw_head++ % dev.depth];
	pthread_mutex_unlock(&hw_lock);
	*ret = any;
	return any ? hk_irq_call(cpu, do_complete, &g, &(long){0}) : 0;
}

SHIM_EXPORT int hk_tagblk_timer(int cpu, long *ret)
{
	return hk_irq_call(cpu, do_timer, NULL, ret);
}

/* Per request: how many times it ended, and with what. */
SHIM_EXPORT void hk_tagblk_results(int *out_ends, int *out_status, long *counters)
{
	for (long i = 0; i < nr_reqs; i++) {
		out_ends[i] = __atomic_load_n(&ends[i], __ATOMIC_ACQUIRE);
		out_status[i] = __atomic_load_n(&statuses[i], __ATOMIC_RELAXED);
	}
	counters[0] = atomic_long_read(&dev.nr_issued);
	counters[1] = atomic_long_read(&dev.nr_requeued);
	counters[2] = atomic_long_read(&dev.nr_failed);
	counters[3] = atomic_long_read(&dev.nr_completed);
	counters[4] = 0;
	for (unsigned int cpu = 0; cpu <= nr_cpu_ids; cpu++)
		counters[4] += percpu_ida_free_tags(&dev.tags, cpu);
}

SHIM_EXPORT int hk_tagblk_exit(struct task_struct *t, int cpu, long *ret)
{
	int err = hk_call(t, cpu, do_exit, NULL, ret);

	free(reqs);
	free(ends);
	free(statuses);
	free(hwq);
	reqs = NULL;
	return err;
}
