// SPDX-License-Identifier: GPL-2.0
/*
 * Harness for the tagblk driver: a "hardware" queue of issued tags, request
 * bookkeeping (each must end exactly once), and entries that run the
 * driver's paths in the right context: submit in process context or in an
 * interrupt, the timer and the completion interrupt on any vCPU.
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/tagblk.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/cpumask.h>
#include "harness.h"

#ifndef PIDA_FREE_TAGS
#define PIDA_FREE_TAGS	(PIDA_GEN >= 313)
#endif

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

/* Room for @nr requests on a @depth-tag device; no kernel code runs. */
static int glue_alloc(long depth, long nr)
{
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
	return 0;
}

static void glue_free(void)
{
	free(reqs);
	free(ends);
	free(statuses);
	free(hwq);
	reqs = NULL;
}

/* The hardware's oldest issued tag, or -1. */
/* Free tags over every CPU and the global pool; -1 where the file cannot say. */
static long tagblk_free_tags(void)
{
	long free_tags = 0;

#if PIDA_FREE_TAGS
	for (unsigned int cpu = 0; cpu <= nr_cpu_ids; cpu++)
		free_tags += percpu_ida_free_tags(&dev.tags, cpu);
#else
	free_tags = -1;
#endif
	return free_tags;
}

static long hw_pop(void)
{
	long tag = -1;

	pthread_mutex_lock(&hw_lock);
	if (hw_head != hw_tail)
		tag = hwq[hw_head++ % dev.depth];
	pthread_mutex_unlock(&hw_lock);
	return tag;
}

/**
 * hk_tagblk_init() - a device of @depth tags for @nr requests
 * Return: as hk_call(); the driver's result in @ret.
 */
SHIM_EXPORT int hk_tagblk_init(struct task_struct *t, int cpu, long depth,
			       long max_retries, long nr, long *ret)
{
	struct glue_arg g = { depth, max_retries };
	int err;

	if (glue_alloc(depth, nr)) {
		glue_free();
		return -ENOMEM;
	}
	err = hk_call(t, cpu, do_init, &g, ret);
	if (err || *ret)
		glue_free();	/* no device: nothing more will be asked */
	return err;
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
	struct glue_arg g = { hw_pop(), 0 };

	*ret = g.a >= 0;
	return g.a >= 0 ? hk_irq_call(cpu, do_complete, &g, &(long){0}) : 0;
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
	counters[4] = tagblk_free_tags();
}

SHIM_EXPORT int hk_tagblk_exit(struct task_struct *t, int cpu, long *ret)
{
	int err = hk_call(t, cpu, do_exit, NULL, ret);

	glue_free();
	return err;
}

/* ---- the deterministic engine's driver scenarios (detrun.c) ---- */

int tagblk_det_setup(struct task_struct *t, long depth, long max_retries,
		     long nr)
{
	long ret = 0;
	int err = hk_tagblk_init(t, cpumask_first(cpu_online_mask), depth,
				 max_retries, nr, &ret);

	return err ? err : ret;
}

/* From a fiber in kernel context: request @id, sleeping or (@atomic) not. */
long tagblk_det_submit(long id, int atomic)
{
	if (id < 0 || id >= nr_reqs)
		return -EINVAL;
	if (atomic) {
		tagblk_submit_atomic(&dev, &reqs[id]);
		return 0;
	}
	return tagblk_submit(&dev, &reqs[id]);
}

/* The completion interrupt for the oldest issued request: 1, or 0 if none. */
long tagblk_det_complete(void)
{
	long tag = hw_pop();

	if (tag >= 0)
		tagblk_complete(&dev, tag);
	return tag >= 0;
}

void tagblk_det_timer(void)
{
	tagblk_run_requeue(&dev);
}

/* Requests issued and not completed: all tags of a stalled run, or not. */
long tagblk_det_in_flight(void)
{
	return hw_tail - hw_head;
}

/*
 * After a run, from the harness thread: finish what is in flight, then every
 * submitted request must have ended once, with 0, -EBUSY (atomic path) or an
 * injected error, and every tag must be free again.
 */
int tagblk_det_finish(struct task_struct *t, long submitted, char *msg,
		      size_t len)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	long ret, free_tags = 0, done;
	int err = 0;

	do {
		if (hk_tagblk_complete_one(cpu, &done) ||
		    hk_tagblk_timer(cpu, &ret))
			return -1;
	} while (done || !list_empty(&dev.requeue));
	for (long i = 0; i < nr_reqs && !err; i++) {
		int n = ends[i], status = statuses[i];

		if (i < submitted && n != 1)
			err = snprintf(msg, len, "driver: request %ld ended %d "
				       "times", i, n);
		else if (i >= submitted && n)
			err = snprintf(msg, len, "driver: request %ld ended but "
				       "was never submitted", i);
		else if (n && status && status != -EBUSY && status != -ENOMEM)
			err = snprintf(msg, len, "driver: request %ld ended "
				       "with %d", i, status);
	}
	free_tags = tagblk_free_tags();
	if (!err && free_tags >= 0 && free_tags != dev.depth)
		err = snprintf(msg, len, "driver: %ld of %u tags free after "
			       "every request ended", free_tags, dev.depth);
	if (hk_tagblk_exit(t, cpu, &ret))
		return -1;
	return err ? -1 : 0;
}
