// SPDX-License-Identifier: GPL-2.0
/*
 * Fast-path timing: alloc+free pairs of the image's allocator on one vCPU,
 * and the reference the goal is stated against, a per-thread stack under an
 * uncontended spinlock, in plain C without the shims.
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include "harness.h"

struct bench_arg {
	struct hk_pool *pool;
	long iters;
	uint64_t ns;
};

static long fastpath_loop(void *data)
{
	struct bench_arg *b = data;
	uint64_t start;
	long tag;

	/* warm the cache: the first alloc refills it from the global stack */
	tag = hk_alloc_tag(b->pool, TASK_RUNNING);
	if (tag < 0)
		return tag;
	hk_free_tag(b->pool, tag);
	start = shim_now_ns();
	for (long i = 0; i < b->iters; i++) {
		tag = hk_alloc_tag(b->pool, TASK_RUNNING);
		hk_free_tag(b->pool, tag);
	}
	b->ns = shim_now_ns() - start;
	return 0;
}

/**
 * hk_bench_fastpath() - time @iters alloc+free pairs as one task on vCPU 0
 * Return: nanoseconds per pair, or a negative error.
 */
SHIM_EXPORT double hk_bench_fastpath(struct hk_pool *pool, long iters)
{
	struct bench_arg b = { .pool = pool, .iters = iters };
	struct task_struct *t = hk_task_create("bench");
	long ret = 0;
	int err = hk_call(t, 0, fastpath_loop, &b, &ret);

	if (err || ret)
		return -1;
	return (double)b.ns / iters;
}

struct ref_stack {
	int lock;
	unsigned int nr;
	unsigned int slot[64];
} __attribute__((aligned(SHIM_CACHELINE)));

/* A function of its own, so callgrind can count it (bench_instructions.py). */
static noinline unsigned int reference_loop(struct ref_stack *st, long iters)
{
	volatile unsigned int sink = 0;

	for (long i = 0; i < iters; i++) {
		unsigned int tag;

		ref_lock(&st->lock);
		tag = st->slot[--st->nr];
		ref_unlock(&st->lock);
		sink += tag;
		ref_lock(&st->lock);
		st->slot[st->nr++] = tag;
		ref_unlock(&st->lock);
	}
	return sink;
}

/**
 * hk_bench_reference() - time @iters pairs on a spinlocked per-thread stack
 * Return: nanoseconds per pair.
 */
SHIM_EXPORT double hk_bench_reference(long iters)
{
	struct ref_stack st = { .nr = 64 };	/* this thread's own */
	uint64_t start = shim_now_ns();

	reference_loop(&st, iters);
	return (double)(shim_now_ns() - start) / iters;
}
