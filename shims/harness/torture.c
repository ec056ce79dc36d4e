// SPDX-License-Identifier: GPL-2.0
/*
 * The threaded torture loop: one pinned host thread per task, each looping
 * in C over random alloc / hold / free, with every tag's owner kept in a word
 * set by compare-and-swap so a double allocation is caught the moment the
 * second owner appears.  Python starts it, polls the counters, stops it.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <x86intrin.h>
#include "harness.h"

#define MAX_TORTURE_TASKS	256
#define MAX_HOLD		64
#define HISTORY			128

struct hk_torture_params {
	struct hk_pool *pool;
	int nr_tasks;
	int hold;		/* most tags a task holds at once */
	int sleepers;		/* percent of allocs that may sleep */
	int slice;		/* ops per kernel entry */
	int cross_cpu_free;	/* percent of frees handed to another task */
	unsigned long seed;
};

struct hk_torture_stats {
	long ops;
	long allocs;
	long frees;
	long enospc;
	long sleeping_allocs;
	long cross_frees;
	long errors;
};

enum { EV_ALLOC = 1, EV_FREE = 2, EV_HANDOFF = 3 };

struct history_ev {
	uint64_t tsc;
	int op;
	int cpu;
	int task;
	unsigned int tag;
};

struct torture_task {
	struct hk_torture_stats st;
	struct task_struct *task;
	pthread_t thread;
	int index;
	int cpu;
	int nheld;
	unsigned int held[MAX_HOLD];
	unsigned int mailbox;	/* tag + 1 handed to us to free, 0 if empty */
	uint64_t rng;
	unsigned int hist_pos;
	struct history_ev hist[HISTORY];
} __attribute__((aligned(SHIM_CACHELINE)));

static struct hk_torture_params params;
static struct torture_task *tasks;
static int *owner;		/* 0 free, else task index + 1 */
static struct hk_torture_stats final_stats;	/* of the last finished run */
static int stop;
static int parked;		/* tasks out of their main loop */
static int failed;
static char failure[8192];
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t next_rand(struct torture_task *tt)
{
	uint64_t z = (tt->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void record(struct torture_task *tt, int op, unsigned int tag)
{
	struct history_ev *ev = &tt->hist[tt->hist_pos++ % HISTORY];

	ev->tsc = __rdtsc();
	ev->op = op;
	ev->cpu = shim_current->cpu;
	ev->task = tt->index;
	ev->tag = tag;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct history_ev *x = a, *y = b;

	return x->tsc < y->tsc ? -1 : x->tsc > y->tsc;
}

/* Every recorded event on @tag, from every task, in time order. */
static size_t tag_history(unsigned int tag, char *buf, size_t len)
{
	struct history_ev evs[256];
	size_t used = 0;
	int n = 0;

	for (int i = 0; i < params.nr_tasks; i++)
		for (int k = 0; k < HISTORY && n < 256; k++)
			if (tasks[i].hist[k].op && tasks[i].hist[k].tag == tag)
				evs[n++] = tasks[i].hist[k];
	qsort(evs, n, sizeof(evs[0]), cmp_ev);
	for (int k = 0; k < n && used < len; k++)
		used += snprintf(buf + used, len - used,
				 "    %s tag %u by task %d on cpu %d\n",
				 evs[k].op == EV_ALLOC ? "alloc" :
				 evs[k].op == EV_FREE ? "free " : "hand ",
				 tag, evs[k].task, evs[k].cpu);
	return used;
}

static void torture_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void torture_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&failure_lock);
	if (!failed) {
		va_start(ap, fmt);
		vsnprintf(failure, sizeof(failure), fmt, ap);
		va_end(ap);
		failed = 1;
	}
	pthread_mutex_unlock(&failure_lock);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
}

static void take_ownership(struct torture_task *tt, unsigned int tag)
{
	int expected = 0;

	record(tt, EV_ALLOC, tag);
	if (tag >= hk_pool_nr_tags(params.pool)) {
		tt->st.errors++;
		torture_fail("tag out of range: task %d got tag %u, nr_tags %lu",
			     tt->index, tag, hk_pool_nr_tags(params.pool));
		return;
	}
	if (!__atomic_compare_exchange_n(&owner[tag], &expected, tt->index + 1,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		char hist[4096];

		tt->st.errors++;
		tag_history(tag, hist, sizeof(hist));
		torture_fail("double allocation: tag %u handed to task %d on "
			     "cpu %d while task %d holds it\n  history of "
			     "tag %u:\n%s", tag, tt->index, shim_current->cpu,
			     expected - 1, tag, hist);
		return;
	}
	tt->held[tt->nheld++] = tag;
}

static void give_back(struct torture_task *tt, int slot)
{
	unsigned int tag = tt->held[slot];
	int expected = tt->index + 1;

	tt->held[slot] = tt->held[--tt->nheld];
	if (!__atomic_compare_exchange_n(&owner[tag], &expected, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		tt->st.errors++;
		torture_fail("free of a tag not owned: task %d frees tag %u, "
			     "owner word says task %d", tt->index, tag,
			     expected - 1);
		return;
	}
	record(tt, EV_FREE, tag);
	hk_free_tag(params.pool, tag);
	tt->st.frees++;
}

#define MAIL_RESERVED	UINT_MAX

/* Pass a held tag to another task, which frees it on its own vCPU. */
static bool hand_off(struct torture_task *tt, int slot, uint64_t r)
{
	struct torture_task *to = &tasks[(tt->index + 1 + r % (params.nr_tasks - 1)) %
					 params.nr_tasks];
	unsigned int tag = tt->held[slot];
	unsigned int empty = 0;
	int expected = tt->index + 1;

	/* reserve the mailbox first: other tasks may be sending too */
	if (to->cpu == tt->cpu ||
	    !__atomic_compare_exchange_n(&to->mailbox, &empty, MAIL_RESERVED,
					 false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	if (!__atomic_compare_exchange_n(&owner[tag], &expected, to->index + 1,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		tt->st.errors++;
		torture_fail("hand-off of a tag not owned: task %d, tag %u, "
			     "owner word says task %d", tt->index, tag, expected - 1);
		return true;
	}
	record(tt, EV_HANDOFF, tag);
	tt->held[slot] = tt->held[--tt->nheld];
	__atomic_store_n(&to->mailbox, tag + 1, __ATOMIC_RELEASE);
	return true;
}

/* Free, on our vCPU, a tag another task handed us. */
static void take_mail(struct torture_task *tt)
{
	unsigned int mail = __atomic_load_n(&tt->mailbox, __ATOMIC_ACQUIRE);

	if (!mail || mail == MAIL_RESERVED)
		return;
	__atomic_store_n(&tt->mailbox, 0, __ATOMIC_RELEASE);
	tt->held[tt->nheld++] = mail - 1;
	give_back(tt, tt->nheld - 1);
	tt->st.cross_frees++;
}

static void one_op(struct torture_task *tt)
{
	uint64_t r = next_rand(tt);

	if (READ_ONCE(tt->mailbox) && tt->nheld < MAX_HOLD)
		take_mail(tt);
	bool want_alloc = tt->nheld == 0 ||
		(tt->nheld < params.hold && (r & 1));

	tt->st.ops++;
	if (want_alloc) {
		/* sleep only holding nothing: sleepers never wait on themselves */
		int state = (tt->nheld == 0 &&
			     (int)((r >> 8) % 100) < params.sleepers) ?
			TASK_UNINTERRUPTIBLE : TASK_RUNNING;
		long tag;

		if (state != TASK_RUNNING)
			tt->st.sleeping_allocs++;
		tag = hk_alloc_tag(params.pool, state);
		if (tag == -ENOSPC && state == TASK_RUNNING) {
			tt->st.enospc++;
			return;
		}
		if (tag < 0) {
			tt->st.errors++;
			torture_fail("alloc in state %d returned %ld", state, tag);
			return;
		}
		tt->st.allocs++;
		take_ownership(tt, tag);
	} else {
		int slot = (r >> 16) % tt->nheld;

		if (params.nr_tasks > 1 &&
		    (int)((r >> 40) % 100) < params.cross_cpu_free &&
		    hand_off(tt, slot, r >> 24))
			return;
		give_back(tt, slot);
	}
}

static long run_slice(void *arg)
{
	struct torture_task *tt = arg;

	for (int i = 0; i < params.slice; i++) {
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
			break;
		one_op(tt);
	}
	return 0;
}

static long release_all(void *arg)
{
	struct torture_task *tt = arg;

	take_mail(tt);
	while (tt->nheld && !failed)
		give_back(tt, tt->nheld - 1);
	return 0;
}

static void check_call(struct torture_task *tt, int err)
{
	if (!err)
		return;
	tt->st.errors++;
	if (err == -HK_EBUG || err == -HK_EDEAD)
		torture_fail("kernel BUG (see the report)");
	else
		torture_fail("kernel entry failed: %d", err);
}

static void *task_main(void *arg)
{
	struct torture_task *tt = arg;
	long nr_cores = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	long ret;

	CPU_ZERO(&set);
	CPU_SET(tt->cpu % (nr_cores > 0 ? nr_cores : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		check_call(tt, hk_call(tt->task, tt->cpu, run_slice, tt, &ret));

	/*
	 * Wind down holding nothing, so a sleeper still waiting gets its tag,
	 * and keep freeing hand-offs until every task is out of its loop: only
	 * then can no more arrive.
	 */
	if (!failed)
		check_call(tt, hk_call(tt->task, tt->cpu, release_all, tt, &ret));
	__atomic_fetch_add(&parked, 1, __ATOMIC_SEQ_CST);
	while (!failed && !__atomic_load_n(&shim_kernel_dead, __ATOMIC_RELAXED)) {
		bool all = __atomic_load_n(&parked, __ATOMIC_SEQ_CST) ==
			   params.nr_tasks;
		unsigned int mail = READ_ONCE(tt->mailbox);

		if (mail == MAIL_RESERVED)
			continue;	/* a sender is half-way */
		if (mail)
			check_call(tt, hk_call(tt->task, tt->cpu, release_all,
					       tt, &ret));
		if (all)
			break;
		sched_yield();
	}
	return NULL;
}

/**
 * hk_torture_start() - start the torture tasks
 * @p: parameters; the pool must be initialised and every tag free
 *
 * Return: 0, -EINVAL for bad parameters, -EBUSY if a run is going on.
 */
SHIM_EXPORT int hk_torture_start(const struct hk_torture_params *p)
{
	if (tasks)
		return -EBUSY;
	if (!p->pool || p->nr_tasks < 1 || p->nr_tasks > MAX_TORTURE_TASKS ||
	    p->hold < 1 || p->hold > MAX_HOLD || p->slice < 1 ||
	    p->sleepers < 0 || p->sleepers > 100 ||
	    p->cross_cpu_free < 0 || p->cross_cpu_free > 100)
		return -EINVAL;
	params = *p;
	memset(&final_stats, 0, sizeof(final_stats));
	stop = 0;
	parked = 0;
	failed = 0;
	failure[0] = 0;
	owner = calloc(hk_pool_nr_tags(p->pool), sizeof(*owner));
	tasks = aligned_alloc(SHIM_CACHELINE, sizeof(*tasks) * p->nr_tasks);
	if (!owner || !tasks) {
		free(owner);
		free(tasks);
		tasks = NULL;
		return -ENOMEM;
	}
	memset(tasks, 0, sizeof(*tasks) * p->nr_tasks);
	for (int i = 0; i < p->nr_tasks; i++) {
		struct torture_task *tt = &tasks[i];
		char name[TASK_COMM_LEN];

		snprintf(name, sizeof(name), "torture/%d", i);
		tt->index = i;
		tt->cpu = i % nr_cpu_ids;
		tt->rng = p->seed * 1000003 + i;
		tt->task = hk_task_create(name);
	}
	/* only now: a running task hands tags to the others */
	for (int i = 0; i < p->nr_tasks; i++)
		pthread_create(&tasks[i].thread, NULL, task_main, &tasks[i]);
	return 0;
}

SHIM_EXPORT void hk_torture_stats(struct hk_torture_stats *out)
{
	*out = final_stats;
	if (!tasks)
		return;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < params.nr_tasks; i++) {
		const struct hk_torture_stats *s = &tasks[i].st;

		out->ops += READ_ONCE(s->ops);
		out->allocs += READ_ONCE(s->allocs);
		out->frees += READ_ONCE(s->frees);
		out->enospc += READ_ONCE(s->enospc);
		out->sleeping_allocs += READ_ONCE(s->sleeping_allocs);
		out->cross_frees += READ_ONCE(s->cross_frees);
		out->errors += READ_ONCE(s->errors);
	}
}

SHIM_EXPORT int hk_torture_failed(char *buf, size_t len)
{
	pthread_mutex_lock(&failure_lock);
	snprintf(buf, len, "%s", failure);
	pthread_mutex_unlock(&failure_lock);
	return failed;
}

/**
 * hk_torture_stop() - stop the tasks and wait for them
 * @timeout_ms: how long to wait for them to leave the kernel
 *
 * Tasks free what they hold on the way out.  A task still inside after
 * @timeout_ms is stuck: the kernel is killed to get it out.
 *
 * Return: 0 when every task came back, -ETIMEDOUT when the kernel had to be
 * killed.
 */
SHIM_EXPORT int hk_torture_stop(long timeout_ms)
{
	uint64_t deadline = shim_now_ns() + timeout_ms * 1000000ull;
	int ret = 0;

	if (!tasks)
		return 0;
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < params.nr_tasks; i++) {
		struct timespec ts;
		uint64_t now = shim_now_ns();
		uint64_t left = deadline > now ? deadline - now : 0;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000000000ull;
		ts.tv_nsec += left % 1000000000ull;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(tasks[i].thread, NULL, &ts)) {
			ret = -ETIMEDOUT;
			shim_kill_kernel();
			pthread_join(tasks[i].thread, NULL);
		}
	}
	hk_torture_stats(&final_stats);
	free(owner);
	free(tasks);
	owner = NULL;
	tasks = NULL;
	return ret;
}
