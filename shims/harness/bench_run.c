// SPDX-License-Identifier: GPL-2.0
/*
 * The scaling benchmark's loops: nr_threads host threads, each pinned to a
 * core and running as a task on its own vCPU, driving the image's allocator
 * through one workload for a fixed time; or the same threads running one of
 * the two limit references, which touch no shim at all.
 *
 * Alloc latency is sampled (every 2^sample_shift-th alloc) with the cycle
 * counter into a log-linear histogram: 16 exact buckets, then 8 per power of
 * two.  Python turns ticks into ns with hk_bench_ticks_per_us().
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define BENCH_MAX_THREADS	256
#define BENCH_BUCKETS		336
#define BENCH_RING		256	/* power of two */
#define BENCH_MAX_BURST		4096

enum bench_workload { BW_LOCAL, BW_BURST, BW_CROSS };
enum bench_reference { BR_NONE, BR_LOCAL_STACK, BR_LOCKED_STACK };

struct hk_bench_params {
	struct hk_pool *pool;		/* NULL for a reference */
	int reference;			/* enum bench_reference */
	int workload;			/* enum bench_workload */
	int nr_threads;
	int burst;
	int sample_shift;
	long duration_us;
	long join_timeout_ms;
};

struct hk_bench_result {
	long pairs;			/* allocs whose tag was freed again */
	long enospc;
	long ns;			/* wall time, first start to last stop */
	long failed;			/* a thread did not finish in time */
	long hist[BENCH_BUCKETS];
};

struct bench_ring {
	unsigned int head;		/* the consumer's */
	unsigned int tail ____cacheline_aligned_in_smp;	/* the producer's */
	unsigned int slot[BENCH_RING];
} ____cacheline_aligned_in_smp;

struct bench_thread {
	const struct hk_bench_params *p;
	int index;
	pthread_t thread;
	struct task_struct *task;
	long pairs, enospc;
	long hist[BENCH_BUCKETS];
	unsigned int burst[BENCH_MAX_BURST];
	unsigned int *stack;		/* the references' own */
	int lock;
	struct bench_ring ring;		/* what the previous thread sends us */
} ____cacheline_aligned_in_smp;

static struct bench_thread *threads;
static int ready, go, stop;

static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return shim_now_ns();
#endif
}

static int lat_bucket(uint64_t t)
{
	int msb, idx;

	if (t < 16)
		return t;
	msb = 63 - __builtin_clzll(t);
	idx = 16 + (msb - 4) * 8 + (int)((t >> (msb - 3)) & 7);
	return idx < BENCH_BUCKETS ? idx : BENCH_BUCKETS - 1;
}

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* An alloc, timed when the sample counter says so. */
static long timed_alloc(struct bench_thread *bt, int state, unsigned long *n)
{
	uint64_t t0;
	long tag;

	if ((++*n & ((1UL << bt->p->sample_shift) - 1)) != 0)
		return hk_alloc_tag(bt->p->pool, state);
	t0 = ticks();
	tag = hk_alloc_tag(bt->p->pool, state);
	bt->hist[lat_bucket(ticks() - t0)]++;
	return tag;
}

static void run_local(struct bench_thread *bt)
{
	unsigned long n = 0;

	while (!stopping()) {
		long tag = timed_alloc(bt, TASK_RUNNING, &n);

		if (tag < 0) {
			bt->enospc++;
			continue;
		}
		hk_free_tag(bt->p->pool, tag);
		bt->pairs++;
	}
}

/* K sleeping allocs, then K frees: the pool holds threads x K tags at most. */
static void run_burst(struct bench_thread *bt)
{
	unsigned long n = 0;

	while (!stopping()) {
		int k;

		for (k = 0; k < bt->p->burst; k++) {
			long tag = timed_alloc(bt, TASK_UNINTERRUPTIBLE, &n);

			if (tag < 0) {
				bt->enospc++;
				break;
			}
			bt->burst[k] = tag;
		}
		bt->pairs += k;
		while (k--)
			hk_free_tag(bt->p->pool, bt->burst[k]);
	}
}

static bool ring_push(struct bench_ring *r, unsigned int tag)
{
	unsigned int tail = r->tail;

	if (tail - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == BENCH_RING)
		return false;
	r->slot[tail & (BENCH_RING - 1)] = tag;
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

/* Free what the previous thread allocated for us; how many. */
static long ring_drain(struct bench_thread *bt)
{
	struct bench_ring *r = &bt->ring;
	unsigned int head = r->head;
	unsigned int tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	long n = tail - head;

	for (; head != tail; head++)
		hk_free_tag(bt->p->pool, r->slot[head & (BENCH_RING - 1)]);
	__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
	return n;
}

/* Alloc here, free on the next thread's vCPU (a completion elsewhere). */
static void run_cross(struct bench_thread *bt)
{
	struct bench_ring *next = &threads[(bt->index + 1) % bt->p->nr_threads].ring;
	unsigned long n = 0;

	while (!stopping()) {
		long tag;

		bt->pairs += ring_drain(bt);
		tag = timed_alloc(bt, TASK_RUNNING, &n);
		if (tag < 0) {
			bt->enospc++;
			continue;
		}
		if (!ring_push(next, tag)) {
			hk_free_tag(bt->p->pool, tag);
			bt->pairs++;
		}
	}
}

static long bench_kernel(void *arg)
{
	struct bench_thread *bt = arg;

	__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	switch (bt->p->workload) {
	case BW_LOCAL:
		run_local(bt);
		break;
	case BW_BURST:
		run_burst(bt);
		break;
	case BW_CROSS:
		run_cross(bt);
		break;
	}
	return 0;
}

static long bench_leftovers(void *arg)
{
	struct bench_thread *bt = arg;

	bt->pairs += ring_drain(bt);
	return 0;
}

/* The limits: a pair on this thread's own stack, bare or under its own lock. */
static void run_reference(struct bench_thread *bt)
{
	bool locked = bt->p->reference == BR_LOCKED_STACK;
	unsigned int nr = 64, sink = 0;

	while (!stopping()) {
		for (int i = 0; i < 64; i++) {
			unsigned int tag;

			if (locked)
				ref_lock(&bt->lock);
			tag = bt->stack[--nr];
			if (locked)
				ref_unlock(&bt->lock);
			__asm__ volatile("" : : "r"(tag) : "memory");
			sink += tag;
			if (locked)
				ref_lock(&bt->lock);
			bt->stack[nr++] = tag;
			if (locked)
				ref_unlock(&bt->lock);
		}
		bt->pairs += 64;
	}
	__asm__ volatile("" : : "r"(sink));
}

/* The cross workload's floor: only the hand-off, tags made up and dropped. */
static void run_reference_cross(struct bench_thread *bt)
{
	struct bench_ring *next = &threads[(bt->index + 1) % bt->p->nr_threads].ring;
	unsigned int tag = 0;

	while (!stopping()) {
		struct bench_ring *r = &bt->ring;
		unsigned int tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

		bt->pairs += tail - r->head;
		__atomic_store_n(&r->head, tail, __ATOMIC_RELEASE);
		if (!ring_push(next, tag++))
			bt->pairs++;
	}
}

static void *bench_main(void *arg)
{
	struct bench_thread *bt = arg;
	long ret;

	hk_pin_host_thread(bt->index);
	if (bt->p->reference) {
		unsigned int stack[64];

		for (int i = 0; i < 64; i++)
			stack[i] = i;
		bt->stack = stack;
		__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause();
		if (bt->p->workload == BW_CROSS)
			run_reference_cross(bt);
		else
			run_reference(bt);
		return NULL;
	}
	hk_call(bt->task, bt->index, bench_kernel, bt, &ret);
	return NULL;
}

static int join_all(const struct hk_bench_params *p)
{
	struct timespec deadline;
	int late = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += p->join_timeout_ms / 1000;
	deadline.tv_nsec += (p->join_timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (int i = 0; i < p->nr_threads; i++)
		if (pthread_timedjoin_np(threads[i].thread, NULL, &deadline))
			late++;
	return late;
}

/**
 * hk_bench_run() - run one benchmark point
 * @p: the allocator (or reference), workload, threads and time
 * @out: the counts and the latency histogram
 *
 * Thread i is pinned to core i modulo the cores and runs on vCPU i.  A
 * thread that has not stopped join_timeout_ms after the others were told to
 * is reported in @out->failed and left behind: the image is not usable after.
 *
 * Return: 0, or -EINVAL for bad parameters, -ENOMEM.
 */
SHIM_EXPORT int hk_bench_run(const struct hk_bench_params *p,
			     struct hk_bench_result *out)
{
	uint64_t start;
	long ret;

	memset(out, 0, sizeof(*out));
	if (p->nr_threads < 1 || p->nr_threads > BENCH_MAX_THREADS ||
	    (!p->reference && (!p->pool || p->nr_threads > (int)nr_cpu_ids)) ||
	    p->workload < BW_LOCAL || p->workload > BW_CROSS ||
	    p->burst < 1 || p->burst > BENCH_MAX_BURST ||
	    p->sample_shift < 0 || p->sample_shift > 20 || p->duration_us < 1)
		return -EINVAL;
	threads = aligned_alloc(SHIM_CACHELINE, sizeof(*threads) * p->nr_threads);
	if (!threads)
		return -ENOMEM;
	memset(threads, 0, sizeof(*threads) * p->nr_threads);
	ready = go = stop = 0;
	for (int i = 0; i < p->nr_threads; i++) {
		threads[i].p = p;
		threads[i].index = i;
		if (!p->reference)
			threads[i].task = hk_task_create("bench");
		pthread_create(&threads[i].thread, NULL, bench_main, &threads[i]);
	}
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < p->nr_threads)
		usleep(100);
	start = shim_now_ns();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	usleep(p->duration_us);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	out->failed = join_all(p);
	out->ns = shim_now_ns() - start;
	if (out->failed)
		return 0;	/* the threads still own their records */
	for (int i = 0; i < p->nr_threads; i++) {
		struct bench_thread *bt = &threads[i];

		if (p->workload == BW_CROSS && !p->reference)
			hk_call(bt->task, i, bench_leftovers, bt, &ret);
		else if (p->workload == BW_CROSS)
			bt->pairs += bt->ring.tail - bt->ring.head;
		out->pairs += bt->pairs;
		out->enospc += bt->enospc;
		for (int b = 0; b < BENCH_BUCKETS; b++)
			out->hist[b] += bt->hist[b];
	}
	free(threads);
	threads = NULL;
	return 0;
}

/* The cycle counter's rate, measured against the monotonic clock. */
SHIM_EXPORT double hk_bench_ticks_per_us(void)
{
	uint64_t t0 = ticks(), n0 = shim_now_ns();

	usleep(20000);
	return (double)(ticks() - t0) * 1000.0 / (double)(shim_now_ns() - n0);
}

struct steal_arg {
	struct hk_pool *pool;
	int nr;
	unsigned int held[BENCH_MAX_BURST];
	uint64_t steal_ticks, local_ticks;
};

/* On the victim's vCPU: every tag back into its cache. */
static long steal_park(void *data)
{
	struct steal_arg *s = data;

	for (int i = 0; i < s->nr; i++)
		hk_free_tag(s->pool, s->held[i]);
	return 0;
}

/* On the thief's vCPU: the first alloc finds nothing local, the second does. */
static long steal_take(void *data)
{
	struct steal_arg *s = data;
	uint64_t t0 = ticks(), t1;
	long tag = hk_alloc_tag(s->pool, TASK_RUNNING);

	t1 = ticks();
	s->steal_ticks += t1 - t0;
	/* the only free tags were on the victim: the thief must have taken them all */
	if (hk_pool_free_tags(s->pool, 1))
		return -EIO;
	for (int i = 0; i < s->nr; i++) {
		if (tag < 0)
			return tag;
		s->held[i] = tag;
		t0 = ticks();
		tag = i + 1 < s->nr ? hk_alloc_tag(s->pool, TASK_RUNNING) : 0;
		if (i == 0)
			s->local_ticks += ticks() - t0;
	}
	return 0;
}

/**
 * hk_bench_steal() - time the alloc that must take another CPU's free tags
 * @pool: a pool of exactly @nr tags, all free, on a kernel of 2+ vCPUs
 * @nr: how many tags vCPU 1 parks each round (at most its cache size)
 * @iters: rounds
 * @out: ticks per round of the stealing alloc on vCPU 0, and of the next
 *	 alloc there, which its own cache serves
 *
 * Return: 0, or a negative error.
 */
SHIM_EXPORT int hk_bench_steal(struct hk_pool *pool, int nr, long iters, double *out)
{
	struct task_struct *t = hk_task_create("bench-steal");
	struct steal_arg *s = calloc(1, sizeof(*s));
	long ret = 0;
	int err = 0;

	if (!s)
		return -ENOMEM;
	if (nr < 2 || nr > BENCH_MAX_BURST || nr_cpu_ids < 2) {
		free(s);
		return -EINVAL;
	}
	s->pool = pool;
	s->nr = nr;
	for (int i = 0; i < nr && !err; i++) {
		struct hk_pool_op op = { .opcode = HK_OP_ALLOC, .pool = pool, .a = TASK_RUNNING };

		err = hk_pool_op(t, 1, 0, &op, &ret) ?: (ret < 0 ? ret : 0);
		s->held[i] = ret;
	}
	for (long i = 0; i < iters && !err; i++) {
		err = hk_call(t, 1, steal_park, s, &ret) ?: ret;
		if (!err)
			err = hk_call(t, 0, steal_take, s, &ret) ?: ret;
	}
	if (!err)
		err = hk_call(t, 1, steal_park, s, &ret) ?: ret;
	out[0] = (double)s->steal_ticks / iters;
	out[1] = (double)s->local_ticks / iters;
	free(s);
	return err;
}
