/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every baseline tag allocator of this project offers: percpu_ida's
 * interface (3.14+) under the allocator's own name, so that the same torture
 * run, deterministic engine and benchmark drive each of them.
 */
#ifndef _LINUX_TAG_POOL_H
#define _LINUX_TAG_POOL_H

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

typedef int (*tag_pool_cb)(unsigned int tag, void *data);

/*
 * name_init(): @max_size and @batch_size are the per-CPU sizes, for the
 * allocators that cache per CPU; 0 asks for the default.
 * name_alloc(): @state TASK_RUNNING never sleeps (-ENOSPC), others sleep for
 * a tag (-ERESTARTSYS on a signal when interruptible).
 * name_free_tags(): free tags cached on @cpu; @cpu == nr_cpu_ids: the rest.
 */
/*
 * An allocator whose frees do not each wake a waiter may also offer
 * name_wake_slack(): how many tags may be free while a sleeper still waits,
 * everything else quiet.
 */
#define DECLARE_TAG_POOL(name)						\
int name##_init(struct name *pool, unsigned long nr_tags,		\
		unsigned long max_size, unsigned long batch_size);	\
int name##_alloc(struct name *pool, int state);				\
void name##_free(struct name *pool, unsigned int tag);			\
void name##_destroy(struct name *pool);					\
int name##_for_each_free(struct name *pool, tag_pool_cb fn, void *data); \
unsigned int name##_free_tags(struct name *pool, int cpu)

/* A tag is an unsigned int handed out as a non-negative int. */
static inline int tag_pool_check_size(const char *who, unsigned long nr_tags)
{
	if (nr_tags <= (unsigned long)INT_MAX + 1)
		return 0;
	pr_err("%s: %lu tags are more than a tag can number\n", who, nr_tags);
	return -EINVAL;
}

/**
 * tag_pool_alloc() - the end of an alloc: sleep on @wq if it may, and must
 * @first: what the caller's first, non-sleeping attempt gave
 * @wq: the pool's wait queue; every free wakes one waiter (tag_pool_wake())
 * @state: TASK_RUNNING (never sleep), TASK_UNINTERRUPTIBLE or TASK_INTERRUPTIBLE
 * @get: the pool's non-sleeping attempt: a tag or -ENOSPC
 * @pool: its argument
 *
 * Waiters are exclusive: one free, one wakeup.  A waiter that leaves on a
 * signal passes a wakeup it may have taken on to the next one.
 *
 * Return: @first unless it was -ENOSPC and @state sleeps; else a tag,
 * -ERESTARTSYS, or the error @get gave.
 */
static inline int tag_pool_alloc(int first, struct wait_queue_head *wq,
				 int state, int (*get)(void *pool), void *pool)
{
	DEFINE_WAIT(wait);
	int tag;

	if (first != -ENOSPC || state == TASK_RUNNING)
		return first;

	for (;;) {
		prepare_to_wait_exclusive(wq, &wait, state);
		tag = get(pool);
		if (tag != -ENOSPC)
			break;
		if (signal_pending_state(state, current)) {
			tag = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	finish_wait(wq, &wait);
	if (tag == -ERESTARTSYS)
		wake_up(wq);
	return tag;
}

/* After a free is visible: one waiter, if there is any, tries again. */
static inline void tag_pool_wake(struct wait_queue_head *wq)
{
	if (wq_has_sleeper(wq))
		wake_up(wq);
}

#endif /* _LINUX_TAG_POOL_H */
