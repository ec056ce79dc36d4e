// SPDX-License-Identifier: GPL-2.0
/*
 * Adapter for percpu_ida, whatever its API generation (torture/generation.py):
 *   PIDA_GEN 311: the June 2013 posting: percpu_tag_alloc(pool, gfp_t)
 *                 returning TAG_FAIL, percpu_tag_pool_init/_free, sizes fixed
 *   PIDA_GEN 312: alloc takes gfp_t, only percpu_ida_init(), sizes fixed
 *   PIDA_GEN 313: adds __percpu_ida_init, for_each_free, free_tags
 *   PIDA_GEN 314: alloc takes a task state
 * PIDA_FOR_EACH_FREE and PIDA_FREE_TAGS say whether the file has the
 * iterator and the free counts (read from its declarations).
 * PIDA_HEADER names the header the allocator was built with.
 *
 * A baseline allocator (<linux/tag_pool.h>) has the 3.14 interface under its
 * own name: TAG_POOL names it, and the POOL_* names below follow.
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/gfp.h>
#include <stdlib.h>
#include <string.h>
#include PIDA_HEADER
#include "harness.h"

#ifndef PIDA_GEN
#define PIDA_GEN 314
#endif
#ifndef PIDA_FOR_EACH_FREE
#define PIDA_FOR_EACH_FREE	(PIDA_GEN >= 313)
#endif
#ifndef PIDA_FREE_TAGS
#define PIDA_FREE_TAGS		(PIDA_GEN >= 313)
#endif
#ifdef TAG_POOL
#define PIDA_SIZED_INIT		1
#else
#define PIDA_SIZED_INIT		(PIDA_GEN >= 313)
#endif

#define __POOL_NAME(a, b)	a##b
#define POOL_NAME(a, b)		__POOL_NAME(a, b)

#ifdef TAG_POOL
#define POOL_T			struct TAG_POOL
#define POOL_FN(fn)		POOL_NAME(TAG_POOL, _##fn)
#define POOL_INIT_SIZED		POOL_FN(init)
#define POOL_INIT(p, n)		POOL_FN(init)(p, n, 0, 0)
#define POOL_DESTROY		POOL_FN(destroy)
#elif PIDA_GEN == 311
#define POOL_T			struct percpu_tag_pool
#define POOL_FN(fn)		POOL_NAME(percpu_tag_, fn)
#define POOL_INIT(p, n)		percpu_tag_pool_init(p, n)
#define POOL_DESTROY		percpu_tag_pool_free
#else
#define POOL_T			struct percpu_ida
#define POOL_FN(fn)		POOL_NAME(percpu_ida_, fn)
#define POOL_INIT_SIZED		__percpu_ida_init
#define POOL_INIT(p, n)		percpu_ida_init(p, n)
#define POOL_DESTROY		POOL_FN(destroy)
#endif
#define POOL_ALLOC		POOL_FN(alloc)
#define POOL_FREE		POOL_FN(free)

/* what alloc takes besides the pool, and what it returns */
#if PIDA_GEN >= 314 || defined(TAG_POOL)
typedef int pool_alloc_arg_t;
#else
typedef gfp_t pool_alloc_arg_t;
#endif
#if PIDA_GEN == 311 && !defined(TAG_POOL)
typedef unsigned int pool_tag_t;
#ifndef TAG_FAIL
#define TAG_FAIL		(~0U)
#endif
#else
typedef int pool_tag_t;
#endif

/*
 * A generation forced with PERCPU_IDA_GEN that the file is not of fails
 * here, at build time, instead of calling the allocator with the wrong
 * argument at run time.
 */
_Static_assert(__builtin_types_compatible_p(__typeof__(&POOL_ALLOC),
		pool_tag_t (*)(POOL_T *, pool_alloc_arg_t)),
	       "the allocator's alloc() is not of the API generation it was built as");

/* the entry points fail_function can fail: their link-time wrappers */
#if PIDA_SIZED_INIT
#define POOL_FAILABLE_INIT	POOL_INIT_SIZED
#elif PIDA_GEN == 311
#define POOL_FAILABLE_INIT	percpu_tag_pool_init
#else
#define POOL_FAILABLE_INIT	percpu_ida_init
#endif
#define POOL_WRAPPED_INIT	POOL_NAME(__wrap_, POOL_FAILABLE_INIT)
#define POOL_REAL_INIT		POOL_NAME(__real_, POOL_FAILABLE_INIT)
/* the instrumented copy of the allocator (see the Makefile and memtrace.c) */
#define POOL_DET(fn)		POOL_NAME(det_, fn)

struct hk_pool {
	POOL_T ida;
	unsigned long nr_tags;
};

SHIM_EXPORT int hk_features(void)
{
	int feat = 0;

	if (PIDA_SIZED_INIT)
		feat |= HK_FEAT_INIT_SIZES;
	if (PIDA_FOR_EACH_FREE)
		feat |= HK_FEAT_FOR_EACH_FREE;
	if (PIDA_FREE_TAGS)
		feat |= HK_FEAT_FREE_TAGS;
	if (PIDA_GEN >= 314)
		feat |= HK_FEAT_INTERRUPTIBLE;
#ifndef TAG_POOL	/* a baseline's per-cpu counts are not percpu_ida's caches */
	if (PIDA_SIZED_INIT && PIDA_FREE_TAGS)
		feat |= HK_FEAT_CACHE_BOUND;
#endif
	return feat;
}

SHIM_EXPORT int hk_generation(void)
{
	return PIDA_GEN;
}

/*
 * fail_function: the image is linked with --wrap for the allocator's entry
 * points, so every caller outside the allocator's own file (this adapter, a
 * driver) goes through these, and an armed fault makes them return its errno
 * (the posting, which can only say TAG_FAIL, returns that) without the
 * allocator's source being touched.
 */
pool_tag_t POOL_NAME(__real_, POOL_ALLOC)(POOL_T *pool, pool_alloc_arg_t arg);

pool_tag_t POOL_NAME(__wrap_, POOL_ALLOC)(POOL_T *pool, pool_alloc_arg_t arg)
{
	long err = shim_fail_function(__stringify(POOL_ALLOC));

#if PIDA_GEN == 311 && !defined(TAG_POOL)
	if (err)
		return TAG_FAIL;
#else
	if (err)
		return err;
#endif
	return POOL_NAME(__real_, POOL_ALLOC)(pool, arg);
}

#if PIDA_SIZED_INIT
int POOL_REAL_INIT(POOL_T *pool, unsigned long nr_tags,
		   unsigned long max_size, unsigned long batch_size);

int POOL_WRAPPED_INIT(POOL_T *pool, unsigned long nr_tags,
		      unsigned long max_size, unsigned long batch_size)
{
	long err = shim_fail_function(__stringify(POOL_FAILABLE_INIT));

	return err ? err : POOL_REAL_INIT(pool, nr_tags, max_size, batch_size);
}
#else
int POOL_REAL_INIT(POOL_T *pool, unsigned long nr_tags);

int POOL_WRAPPED_INIT(POOL_T *pool, unsigned long nr_tags)
{
	long err = shim_fail_function(__stringify(POOL_FAILABLE_INIT));

	return err ? err : POOL_REAL_INIT(pool, nr_tags);
}
#endif

/*
 * The same allocator, built with every plain access instrumented and its
 * symbols renamed (see the Makefile and memtrace.c): what the deterministic
 * engine runs when plain loads and stores are to be scheduling points.
 */
__typeof__(POOL_ALLOC) POOL_DET(POOL_ALLOC);
__typeof__(POOL_FREE) POOL_DET(POOL_FREE);

/* a tag, or the allocator's failure as -ENOSPC (the posting says TAG_FAIL) */
static long pool_tag(pool_tag_t tag)
{
#if PIDA_GEN == 311 && !defined(TAG_POOL)
	if (tag == TAG_FAIL)
		return -ENOSPC;
	if ((int)tag < 0)
		return (int)tag;
#endif
	return tag;
}

long hk_alloc_tag(struct hk_pool *pool, int state)
{
#if PIDA_GEN < 314 && !defined(TAG_POOL)
	/* before 3.14 the only sleep was uninterruptible, asked for by gfp */
	pool_alloc_arg_t arg = state == TASK_RUNNING ? GFP_NOWAIT : GFP_KERNEL;
#else
	pool_alloc_arg_t arg = state;
#endif

	if (unlikely(shim_det_traced)) {
		long err = shim_fail_function(__stringify(POOL_ALLOC));

		return err ? err : pool_tag(POOL_DET(POOL_ALLOC)(&pool->ida, arg));
	}
	return pool_tag(POOL_ALLOC(&pool->ida, arg));
}

void hk_free_tag(struct hk_pool *pool, unsigned int tag)
{
	if (unlikely(shim_det_traced))
		POOL_DET(POOL_FREE)(&pool->ida, tag);
	else
		POOL_FREE(&pool->ida, tag);
}

unsigned long hk_pool_nr_tags(struct hk_pool *pool)
{
	return pool->nr_tags;
}

#if PIDA_FOR_EACH_FREE
/* @op->a non-zero: ask the walk to stop after that many (it returns 1). */
static int collect_tag(unsigned int tag, void *data)
{
	struct hk_pool_op *op = data;

	if (op->count < op->cap)
		op->buf[op->count] = tag;
	op->count++;
	return op->a && op->count >= op->a;
}

__typeof__(POOL_FN(for_each_free)) POOL_DET(POOL_FN(for_each_free));

/* percpu_ida_for_each_free() from kernel context: the count, tags in @buf. */
long hk_pool_walk(struct hk_pool *pool, unsigned int *buf, long cap)
{
	struct hk_pool_op op = { .buf = buf, .cap = cap };
	int err;

	err = unlikely(shim_det_traced) ?
	      POOL_DET(POOL_FN(for_each_free))(&pool->ida, collect_tag, &op) :
	      POOL_FN(for_each_free)(&pool->ida, collect_tag, &op);
	return err ? err : op.count;
}
#else
long hk_pool_walk(struct hk_pool *pool, unsigned int *buf, long cap)
{
	return -EOPNOTSUPP;
}
#endif

#if PIDA_FREE_TAGS
__typeof__(POOL_FN(free_tags)) POOL_DET(POOL_FN(free_tags));

/* percpu_ida_free_tags() from kernel context (@cpu == nr_cpu_ids: global). */
long hk_pool_free_tags(struct hk_pool *pool, int cpu)
{
	return unlikely(shim_det_traced) ?
	       POOL_DET(POOL_FN(free_tags))(&pool->ida, cpu) :
	       POOL_FN(free_tags)(&pool->ida, cpu);
}
#else
long hk_pool_free_tags(struct hk_pool *pool, int cpu)
{
	return -EOPNOTSUPP;
}
#endif

#ifdef TAG_POOL
unsigned int POOL_FN(wake_slack)(POOL_T *pool) __weak;
#endif

/**
 * hk_pool_wake_slack() - free tags a sleeper may wait with, all else quiet
 * @pool: the pool
 *
 * 0 for an allocator whose frees wake a waiter whenever a tag is free (every
 * percpu_ida); more for one that batches its wakeups (sbitmap_queue).
 */
SHIM_EXPORT long hk_pool_wake_slack(struct hk_pool *pool)
{
#ifdef TAG_POOL
	if (POOL_FN(wake_slack))
		return POOL_FN(wake_slack)(&pool->ida);
#endif
	return 0;
}

static long pool_op(void *arg)
{
	struct hk_pool_op *op = arg;
	struct hk_pool *pool = op->pool;

	switch (op->opcode) {
	case HK_OP_INIT:
#if PIDA_SIZED_INIT
		if (op->b > 0)
			return POOL_INIT_SIZED(&pool->ida, op->a, op->b, op->c);
#endif
		return POOL_INIT(&pool->ida, op->a);
	case HK_OP_ALLOC:
		return hk_alloc_tag(pool, op->a);
	case HK_OP_FREE:
		hk_free_tag(pool, op->a);
		return 0;
#if PIDA_FOR_EACH_FREE
	case HK_OP_FOR_EACH_FREE:
		op->count = 0;
		return POOL_FN(for_each_free)(&pool->ida, collect_tag, op);
#endif
#if PIDA_FREE_TAGS
	case HK_OP_FREE_TAGS:
		return POOL_FN(free_tags)(&pool->ida, op->a);
#endif
	case HK_OP_DESTROY:
		POOL_DESTROY(&pool->ida);
		return 0;
	}
	return -EOPNOTSUPP;
}

SHIM_EXPORT struct hk_pool *hk_pool_new(unsigned long nr_tags)
{
	/* the pool may have a cacheline-aligned part: honour it */
	size_t size = ALIGN(sizeof(struct hk_pool), __alignof__(struct hk_pool));
	struct hk_pool *pool = aligned_alloc(__alignof__(struct hk_pool), size);

	if (pool) {
		/*
		 * init gets the pool as kmalloc (not kzalloc) leaves memory:
		 * garbage, so a field it forgets to set is seen
		 */
		memset(pool, 0x6b, size);
		pool->nr_tags = nr_tags;
		por_object(pool, size);
	}
	return pool;
}

SHIM_EXPORT void hk_pool_release(struct hk_pool *pool)
{
	por_object(pool, 0);
	free(pool);
}

/**
 * hk_pool_op() - run one allocator entry point on vCPU @cpu
 * @t: the task to run it as (ignored for @in_irq)
 * @cpu: the vCPU
 * @in_irq: run it as a hard interrupt handler instead
 * @op: what to run and its arguments; results come back in it
 * @ret: the entry point's return value
 *
 * Return: as hk_call().
 */
SHIM_EXPORT int hk_pool_op(struct task_struct *t, int cpu, int in_irq,
			   struct hk_pool_op *op, long *ret)
{
	if (in_irq)
		return hk_irq_call(cpu, pool_op, op, ret);
	return hk_call(t, cpu, pool_op, op, ret);
}
