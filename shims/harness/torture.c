// SPDX-License-Identifier: GPL-2.0
/*
 * The threaded torture loop: one pinned host thread per task, each looping
 * in C over random alloc / hold / free, with every tag's owner kept in a word
 * set by compare-and-swap so a double allocation is caught the moment the
 * second owner appears.  Around the tasks: an interrupt raiser (the handler
 * allocates without sleeping and frees in irq context), a signaller, and a
 * shuffler that moves tasks between vCPUs.  Python starts it, polls the
 * counters, pauses it for checks at quiescence, stops it.
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <x86intrin.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include "harness.h"

#define MAX_TORTURE_TASKS	256
#define MAX_HOLD		64
#define HISTORY			128
#define IRQ_SLOTS		4
#define MAIL_RESERVED		UINT_MAX
#define IRQ_OWNER		100000	/* owner word of a tag held by an irq slot */

struct hk_torture_params {
	struct hk_pool *pool;
	int nr_tasks;
	int hold;		/* most tags a task holds at once */
	int sleepers;		/* percent of allocs, holding nothing, that sleep */
	int interruptible;	/* percent of those that sleep interruptibly */
	int slice;		/* ops per kernel entry */
	int cross_cpu_free;	/* percent of frees handed to another task */
	int irq_interval_us;	/* between interrupts (0: none) */
	int signal_interval_us;	/* between signals to a random task (0: none) */
	int shuffle_interval_us; /* between task migrations (0: none) */
	int injected_errno;	/* an armed fail_function makes alloc return it */
	unsigned long seed;
	int irq_busy;		/* percent of interrupts aimed at a busy vCPU */
	int asymmetric;		/* even tasks only allocate, odd ones only free */
};

struct hk_torture_stats {
	long ops;
	long allocs;
	long frees;
	long enospc;
	long sleeping_allocs;
	long restarts;
	long cross_frees;
	long irqs;
	long irq_allocs;
	long signals;
	long migrations_between_ops;	/* the harness moved the task */
	long injected;
	long errors;
	long irq_injected;	/* irq allocations failed on purpose */
	long steals;		/* allocs that took a tag after touching another
				 * CPU's per-cpu data since they last waited */
	long migrations_in_kernel;	/* an allocator call began on one vCPU
					 * and returned on another */
	long irqs_raised;
	long irqs_idle;		/* handlers that found no task on their vCPU */
};

enum { EV_ALLOC = 1, EV_FREE = 2, EV_HANDOFF = 3 };

struct history_ev {
	uint64_t tsc;
	int op;
	int cpu;
	int who;
	unsigned int tag;
};

struct history {
	uint64_t pos;
	struct history_ev ev[HISTORY];
};

/*
 * One history per task, then one per vCPU's interrupt handler.  They can live
 * in a shared file (hk_torture_history_attach) so a crash leaves them behind;
 * torture/crash.py reads that layout.
 */
#define NR_HISTORIES	(MAX_TORTURE_TASKS + NR_CPUS)
static struct history local_histories[NR_HISTORIES];
static struct history *histories = local_histories;

struct torture_task {
	struct hk_torture_stats st;
	struct task_struct *task;
	pthread_t thread;
	int index;
	int cpu;
	int nheld;
	int paused;
	unsigned int held[MAX_HOLD];
	unsigned int mailbox;	/* tag + 1 handed to us to free, 0 if empty */
	long idle_turns;	/* asymmetric: turns with nothing to do (progress, not ops) */
	uint64_t rng;
	struct history *hist;
} __attribute__((aligned(SHIM_CACHELINE)));

/* What the interrupt handler of each vCPU holds, and its own record. */
struct irq_cpu {
	struct hk_torture_stats st;
	unsigned int slot[IRQ_SLOTS];	/* tag + 1, 0 if empty */
	uint64_t rng;
	struct history *hist;
} __attribute__((aligned(SHIM_CACHELINE)));

static struct hk_torture_params params;
static struct torture_task *tasks;
static struct irq_cpu irq_cpus[NR_CPUS];
static int *owner;		/* 0 free, task index + 1, or IRQ_OWNER + cpu */
static struct hk_torture_stats final_stats;	/* of the last finished run */
static pthread_t helpers[3];
static int nr_helpers;
static int stop;
static int pause_req;
static int irqs_running;	/* handlers inside torture_irq() */
static int parked;		/* tasks out of their main loop */
static int failed;
static long last_stranded;	/* cached on the last CPU taken down, then */
static char failure[8192];
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * hk_torture_history_attach() - keep the op histories in the file at @path
 * Return: 0, or -errno.
 */
SHIM_EXPORT int hk_torture_history_attach(const char *path)
{
	size_t len = sizeof(*histories) * NR_HISTORIES;
	struct history *shared;
	int fd = open(path, O_RDWR | O_CREAT, 0600);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, len)) {
		close(fd);
		return -errno;
	}
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (shared == MAP_FAILED)
		return -ENOMEM;
	histories = shared;
	return 0;
}

static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void record(struct history *h, int who, int op, unsigned int tag)
{
	struct history_ev *ev = &h->ev[h->pos++ % HISTORY];

	ev->tsc = __rdtsc();
	ev->op = op;
	ev->cpu = shim_current->cpu;
	ev->who = who;
	ev->tag = tag;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct history_ev *x = a, *y = b;

	return x->tsc < y->tsc ? -1 : x->tsc > y->tsc;
}

static void describe_owner(int who, char *buf, size_t len)
{
	if (who >= IRQ_OWNER)
		snprintf(buf, len, "the irq handler of cpu %d", who - IRQ_OWNER);
	else
		snprintf(buf, len, "task %d", who - 1);
}

/* Every recorded event on @tag, from every task and handler, in time order. */
static size_t tag_history(unsigned int tag, char *buf, size_t len)
{
	static struct history_ev evs[512];
	size_t used = 0;
	int n = 0;

	shim_racy_reads_begin();
	for (int i = 0; i < NR_HISTORIES; i++) {
		struct history *h = &histories[i];

		for (int k = 0; k < HISTORY && n < 512; k++)
			if (h->ev[k].op && h->ev[k].tag == tag)
				evs[n++] = h->ev[k];
	}
	shim_racy_reads_end();
	qsort(evs, n, sizeof(evs[0]), cmp_ev);	/* racy: read after a failure */
	for (int k = n > 24 ? n - 24 : 0; k < n && used < len; k++) {
		char who[48];

		describe_owner(evs[k].who, who, sizeof(who));
		used += snprintf(buf + used, len - used, "    %s tag %u by %s on cpu %d\n",
				 evs[k].op == EV_ALLOC ? "alloc" :
				 evs[k].op == EV_FREE ? "free " : "hand ",
				 tag, who, evs[k].cpu);
	}
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
		__atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&failure_lock);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
}

/* A tag came out of the allocator: claim it for @who, or report who has it. */
static bool claim(struct hk_torture_stats *st, struct history *h, int who,
		  long tag)
{
	int expected = 0;

	if (tag < 0 || (unsigned long)tag >= hk_pool_nr_tags(params.pool)) {
		st->errors++;
		torture_fail("tag out of range: got tag %ld, nr_tags %lu",
			     tag, hk_pool_nr_tags(params.pool));
		return false;
	}
	record(h, who, EV_ALLOC, tag);
	if (!__atomic_compare_exchange_n(&owner[tag], &expected, who, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		char hist[4096], a[48], b[48];

		st->errors++;
		tag_history(tag, hist, sizeof(hist));
		describe_owner(who, a, sizeof(a));
		describe_owner(expected, b, sizeof(b));
		torture_fail("double allocation: tag %ld handed to %s on cpu %d "
			     "while %s holds it\n  history of tag %ld:\n%s",
			     tag, a, shim_current->cpu, b, tag, hist);
		return false;
	}
	return true;
}

/* Give ownership up, then the tag itself. */
static void release(struct hk_torture_stats *st, struct history *h, int who,
		    unsigned int tag)
{
	/* only the owner clears its word: a load and a store do (no atomic RMW) */
	int expected = __atomic_load_n(&owner[tag], __ATOMIC_ACQUIRE);

	if (expected == who) {
		__atomic_store_n(&owner[tag], 0, __ATOMIC_RELEASE);
	} else {
		char a[48], b[48];

		st->errors++;
		describe_owner(who, a, sizeof(a));
		describe_owner(expected, b, sizeof(b));
		torture_fail("free of a tag not owned: %s frees tag %u, owner "
			     "word says %s", a, tag, b);
		return;
	}
	record(h, who, EV_FREE, tag);
	hk_free_tag(params.pool, tag);
	st->frees++;
}

static void give_back(struct torture_task *tt, int slot)
{
	unsigned int tag = tt->held[slot];
	int cpu = READ_ONCE(tt->task->cpu);

	tt->held[slot] = tt->held[--tt->nheld];
	release(&tt->st, tt->hist, tt->index + 1, tag);
	if (READ_ONCE(tt->task->cpu) != cpu)
		tt->st.migrations_in_kernel++;
}

/* Pass a held tag to another task, which frees it on its own vCPU. */
/* Whom a hand-off goes to: any other task, or in an asymmetric run a freer. */
static struct torture_task *hand_off_target(struct torture_task *tt, uint64_t r)
{
	if (params.asymmetric)
		return &tasks[2 * (r % (params.nr_tasks / 2)) + 1];
	return &tasks[(tt->index + 1 + r % (params.nr_tasks - 1)) % params.nr_tasks];
}

static bool hand_off(struct torture_task *tt, int slot, uint64_t r)
{
	struct torture_task *to = hand_off_target(tt, r);
	unsigned int tag = tt->held[slot];
	unsigned int empty = 0;
	int expected = tt->index + 1;

	/* reserve the mailbox first: other tasks may be sending too */
	if (READ_ONCE(to->cpu) == tt->cpu ||
	    !__atomic_compare_exchange_n(&to->mailbox, &empty, MAIL_RESERVED,
					 false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	if (!__atomic_compare_exchange_n(&owner[tag], &expected, to->index + 1,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		tt->st.errors++;
		torture_fail("hand-off of a tag not owned: task %d, tag %u, "
			     "owner word says %d", tt->index, tag, expected);
		return true;
	}
	record(tt->hist, tt->index + 1, EV_HANDOFF, tag);
	tt->held[slot] = tt->held[--tt->nheld];
	__atomic_store_n(&to->mailbox, tag + 1, __ATOMIC_RELEASE);
	return true;
}

/* Free, on our vCPU, a tag another task handed us: false if there was none. */
static bool take_mail(struct torture_task *tt)
{
	unsigned int mail = __atomic_load_n(&tt->mailbox, __ATOMIC_ACQUIRE);

	if (!mail || mail == MAIL_RESERVED)
		return false;
	__atomic_store_n(&tt->mailbox, 0, __ATOMIC_RELEASE);
	tt->held[tt->nheld++] = mail - 1;
	give_back(tt, tt->nheld - 1);
	tt->st.cross_frees++;
	return true;
}

/*
 * One allocation by a task, counted: a steal when it returns a tag after
 * touching another CPU's per-cpu data since it last called schedule() (a
 * thief that found nothing, waited and then got a tag from the global
 * stack is no steal); a migration when it returns on another vCPU than it
 * began on.
 */
static long allocate(struct torture_task *tt, int state)
{
	struct task_struct *t = tt->task;
	int cpu = READ_ONCE(t->cpu);
	long tag;

	t->remote_since_schedule = 0;
	tag = hk_alloc_tag(params.pool, state);
	if (tag >= 0 && t->remote_since_schedule)
		tt->st.steals++;
	if (READ_ONCE(t->cpu) != cpu)
		tt->st.migrations_in_kernel++;
	return tag;
}

static void do_alloc(struct torture_task *tt, uint64_t r)
{
	int state = TASK_RUNNING;
	long tag;

	/* sleep only holding nothing: sleepers never wait on themselves */
	if (tt->nheld == 0 && (int)((r >> 8) % 100) < params.sleepers) {
		state = (int)((r >> 20) % 100) < params.interruptible ?
			TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE;
		tt->st.sleeping_allocs++;
	}
	tag = allocate(tt, state);
	if (params.injected_errno && tag == params.injected_errno) {
		tt->st.injected++;
		return;
	}
	if (tag == -ENOSPC && state == TASK_RUNNING) {
		tt->st.enospc++;
		return;
	}
	if (tag == -ERESTARTSYS && state == TASK_INTERRUPTIBLE &&
	    signal_pending(current)) {
		tt->st.restarts++;
		return;
	}
	if (tag < 0) {
		tt->st.errors++;
		torture_fail("alloc in state %d returned %ld%s", state, tag,
			     tag == -ERESTARTSYS ? " without a signal pending" : "");
		return;
	}
	tt->st.allocs++;
	if (claim(&tt->st, tt->hist, tt->index + 1, tag))
		tt->held[tt->nheld++] = tag;
}

/*
 * An asymmetric run's operation: an allocator takes tags up to its hold and
 * hands each to a freer (on another vCPU, when that freer's mailbox is
 * empty); a freer frees what it is handed.  Tags leave the allocators'
 * caches only by allocation and come back only to the freers': refills,
 * spills and steals carry them across.
 */
static void asymmetric_op(struct torture_task *tt, uint64_t r)
{
	bool done = true;

	if (tt->index & 1)
		done = take_mail(tt);
	else if (tt->nheld < params.hold && (tt->nheld == 0 || (r & 1)))
		do_alloc(tt, r);
	else
		done = hand_off(tt, (r >> 16) % tt->nheld, r >> 24);
	if (done)
		tt->st.ops++;
	else
		tt->idle_turns++;
}

static void one_op(struct torture_task *tt)
{
	uint64_t r = next_rand(&tt->rng);

	if (params.asymmetric) {
		asymmetric_op(tt, r);
		return;
	}

	if (READ_ONCE(tt->mailbox) && tt->nheld < MAX_HOLD)
		take_mail(tt);
	tt->st.ops++;
	if (tt->nheld == 0 || (tt->nheld < params.hold && (r & 1))) {
		do_alloc(tt, r);
	} else {
		int slot = (r >> 16) % tt->nheld;

		if (params.nr_tasks > 1 &&
		    (int)((r >> 40) % 100) < params.cross_cpu_free &&
		    hand_off(tt, slot, r >> 24))
			return;
		give_back(tt, slot);
	}
}

/* The interrupt: free what an earlier interrupt took, take a tag, no sleep. */
static void torture_irq(int cpu)
{
	struct irq_cpu *ic = &irq_cpus[cpu];
	uint64_t r = next_rand(&ic->rng);
	unsigned int *slot = &ic->slot[r % IRQ_SLOTS];
	unsigned long remote;
	long tag;

	__atomic_fetch_add(&irqs_running, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pause_req, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&stop, __ATOMIC_SEQ_CST))
		goto out;	/* spurious: the pool is being checked, or we end */
	ic->st.irqs++;
	if (current->flags & PF_IDLE)
		ic->st.irqs_idle++;
	if (*slot) {
		unsigned int t = *slot - 1;

		*slot = 0;
		release(&ic->st, ic->hist, IRQ_OWNER + cpu, t);
		goto out;
	}
	/* the interrupted task's own count resumes after us */
	remote = current->remote_since_schedule;
	current->remote_since_schedule = 0;
	tag = hk_alloc_tag(params.pool, TASK_RUNNING);
	if (tag >= 0 && current->remote_since_schedule)
		ic->st.steals++;
	current->remote_since_schedule = remote;
	if (params.injected_errno && tag == params.injected_errno) {
		ic->st.irq_injected++;
		goto out;
	}
	if (tag == -ENOSPC) {
		ic->st.enospc++;
		goto out;
	}
	ic->st.irq_allocs++;
	if (claim(&ic->st, ic->hist, IRQ_OWNER + cpu, tag))
		*slot = tag + 1;
out:
	__atomic_fetch_sub(&irqs_running, 1, __ATOMIC_SEQ_CST);
}

static long run_slice(void *arg)
{
	struct torture_task *tt = arg;

	for (int i = 0; i < params.slice; i++) {
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&pause_req, __ATOMIC_RELAXED))
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

/* Free what the interrupt handlers still hold, from a task on any vCPU. */
static long release_irq_slots(void *arg)
{
	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++)
		for (int i = 0; i < IRQ_SLOTS; i++) {
			unsigned int t = irq_cpus[cpu].slot[i];

			irq_cpus[cpu].slot[i] = 0;
			if (t)
				release(&irq_cpus[cpu].st, irq_cpus[cpu].hist,
					IRQ_OWNER + cpu, t - 1);
		}
	return 0;
}

/* Enter the kernel on our vCPU, or move to another if it went offline. */
static void enter(struct torture_task *tt, long (*fn)(void *))
{
	int next = READ_ONCE(tt->task->next_cpu);
	long ret;
	int err;

	if (next >= 0 && next != tt->cpu) {
		WRITE_ONCE(tt->cpu, next);
		tt->st.migrations_between_ops++;
	}
	err = hk_call(tt->task, tt->cpu, fn, tt, &ret);
	/* where the kernel left it: a preemption or a wakeup may have moved it */
	WRITE_ONCE(tt->cpu, READ_ONCE(tt->task->cpu));
	if (err == -ENODEV) {
		/* hotplug took our vCPU away between slices */
		WRITE_ONCE(tt->task->next_cpu, -1);
		WRITE_ONCE(tt->cpu, cpumask_first(cpu_online_mask));
		tt->st.migrations_between_ops++;
		return;
	}
	if (!err || err == -HK_EDEAD)	/* killed: whoever killed it says why */
		return;
	if (err == -HK_EBUG) {	/* its report is the error the stats count */
		torture_fail("kernel BUG (see the report)");
		return;
	}
	tt->st.errors++;
	torture_fail("kernel entry failed: %d", err);
}

/* Pin the calling host thread to core @cpu, modulo the cores there are. */
void hk_pin_host_thread(int cpu)
{
	long nr_cores = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (nr_cores > 0 ? nr_cores : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static bool winding_down(void)
{
	return failed || __atomic_load_n(&shim_kernel_dead, __ATOMIC_RELAXED);
}

static void *task_main(void *arg)
{
	struct torture_task *tt = arg;

	hk_pin_host_thread(tt->cpu);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&tt->paused, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE) &&
			       !__atomic_load_n(&stop, __ATOMIC_RELAXED))
				usleep(200);
			__atomic_store_n(&tt->paused, 0, __ATOMIC_RELEASE);
			continue;
		}
		enter(tt, run_slice);
	}

	/*
	 * Wind down holding nothing, so a sleeper still waiting gets its tag,
	 * and keep freeing hand-offs until every task is out of its loop: only
	 * then can no more arrive.
	 */
	if (!failed)
		enter(tt, release_all);
	__atomic_fetch_add(&parked, 1, __ATOMIC_SEQ_CST);
	while (!winding_down()) {
		bool all = __atomic_load_n(&parked, __ATOMIC_SEQ_CST) ==
			   params.nr_tasks;
		unsigned int mail = READ_ONCE(tt->mailbox);

		if (mail == MAIL_RESERVED)
			continue;	/* a sender is half-way */
		if (mail)
			enter(tt, release_all);
		if (all)
			break;
		sched_yield();
	}
	return NULL;
}

static bool helper_sleep(int us)
{
	for (int waited = 0; waited < us; waited += 1000) {
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
			return false;
		usleep(us - waited < 1000 ? us - waited : 1000);
	}
	return !__atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* An online vCPU for the next interrupt: one a task holds, if so aimed. */
static int irq_target(uint64_t *rng)
{
	int cpu = next_rand(rng) % nr_cpu_ids;

	if ((int)(next_rand(rng) % 100) >= params.irq_busy)
		return cpu;
	/* a glance, not a claim: the task may leave before the irq lands */
	shim_racy_reads_begin();
	for (unsigned int i = 0; i < nr_cpu_ids; i++) {
		int c = (cpu + i) % nr_cpu_ids;
		struct task_struct *t = READ_ONCE(shim_vcpus[c].curr);

		if (cpu_online(c) && t && !(t->flags & (PF_IDLE | PF_HARNESS))) {
			cpu = c;
			break;
		}
	}
	shim_racy_reads_end();
	return cpu;	/* nobody running: the idle task takes it */
}

/*
 * Interrupts at the rate asked, on the clock: a wakeup that comes late
 * raises the ones that fell due meanwhile (a sleep is 50-100 us here, more
 * than the shortest intervals), up to a burst of 64.
 */
static void *irq_main(void *arg)
{
	uint64_t rng = params.seed ^ 0x1a2b3c4dull;
	uint64_t interval_ns = params.irq_interval_us * 1000ull;
	uint64_t start = shim_now_ns(), raised = 0;

	while (helper_sleep(params.irq_interval_us)) {
		uint64_t due = (shim_now_ns() - start) / interval_ns;

		if (due > raised + 64)
			raised = due - 64;	/* a long stall: not a storm after */
		for (; raised < due; raised++) {
			int cpu = irq_target(&rng);

			if (__atomic_load_n(&pause_req, __ATOMIC_RELAXED) || !cpu_online(cpu))
				continue;
			shim_raise_irq(cpu);
			irq_cpus[cpu].st.irqs_raised++;
		}
	}
	return NULL;
}

static void *signal_main(void *arg)
{
	uint64_t rng = params.seed ^ 0x5eed5157ull;

	while (helper_sleep(params.signal_interval_us)) {
		struct torture_task *tt = &tasks[next_rand(&rng) % params.nr_tasks];

		if (__atomic_load_n(&pause_req, __ATOMIC_RELAXED))
			continue;
		hk_signal(tt->task, 0);
		tt->st.signals++;
	}
	return NULL;
}

/* Move a random task to a random online vCPU at its next preemptible point. */
static void *shuffle_main(void *arg)
{
	uint64_t rng = params.seed ^ 0x5b0ffull;

	while (helper_sleep(params.shuffle_interval_us)) {
		struct torture_task *tt = &tasks[next_rand(&rng) % params.nr_tasks];
		int cpu = next_rand(&rng) % nr_cpu_ids;

		if (cpu_online(cpu))
			WRITE_ONCE(tt->task->next_cpu, cpu);
	}
	return NULL;
}

/* Under stop_machine, the CPU just offline: the tags its cache strands. */
static void count_stranded(unsigned int cpu)
{
	WRITE_ONCE(last_stranded, hk_pool_free_tags(params.pool, cpu));
}

/* Tags cached on the last CPU taken down, counted as it went (-1: unknown). */
SHIM_EXPORT long hk_torture_last_stranded(void)
{
	return READ_ONCE(last_stranded);
}

/**
 * hk_torture_start() - start the torture tasks and their helpers
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
	    p->interruptible < 0 || p->interruptible > 100 ||
	    p->cross_cpu_free < 0 || p->cross_cpu_free > 100 ||
	    p->irq_interval_us < 0 || p->signal_interval_us < 0 ||
	    p->shuffle_interval_us < 0 || p->irq_busy < 0 || p->irq_busy > 100 ||
	    (p->asymmetric && p->nr_tasks < 2))
		return -EINVAL;
	params = *p;
	memset(&final_stats, 0, sizeof(final_stats));
	memset(irq_cpus, 0, sizeof(irq_cpus));
	stop = pause_req = parked = failed = 0;
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
	memset(histories, 0, sizeof(*histories) * NR_HISTORIES);
	for (int i = 0; i < p->nr_tasks; i++) {
		struct torture_task *tt = &tasks[i];
		char name[TASK_COMM_LEN];

		snprintf(name, sizeof(name), "torture/%d", i);
		tt->index = i;
		tt->cpu = i % nr_cpu_ids;
		tt->rng = p->seed * 1000003 + i;
		tt->task = hk_task_create(name);
		tt->task->rng = p->seed * 7919 + i;
		/* the processes under test: what a task-filter fault fails */
		hk_task_make_it_fail(tt->task, 1);
		tt->hist = &histories[i];
	}
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		irq_cpus[cpu].rng = p->seed * 31 + cpu;
		irq_cpus[cpu].hist = &histories[MAX_TORTURE_TASKS + cpu];
	}
	if (p->irq_interval_us)
		shim_set_irq_handler(torture_irq);
	last_stranded = 0;
	shim_cpu_dying_probe = count_stranded;
	/* only now: a running task hands tags to the others */
	for (int i = 0; i < p->nr_tasks; i++)
		pthread_create(&tasks[i].thread, NULL, task_main, &tasks[i]);
	nr_helpers = 0;
	if (p->irq_interval_us)
		pthread_create(&helpers[nr_helpers++], NULL, irq_main, NULL);
	if (p->signal_interval_us)
		pthread_create(&helpers[nr_helpers++], NULL, signal_main, NULL);
	if (p->shuffle_interval_us)
		pthread_create(&helpers[nr_helpers++], NULL, shuffle_main, NULL);
	return 0;
}

static void add_stats(struct hk_torture_stats *out, const struct hk_torture_stats *s)
{
	const long *from = (const long *)s;
	long *to = (long *)out;

	for (size_t i = 0; i < sizeof(*s) / sizeof(long); i++)
		to[i] += READ_ONCE(from[i]);
}

SHIM_EXPORT void hk_torture_stats(struct hk_torture_stats *out)
{
	*out = final_stats;
	if (!tasks)
		return;
	memset(out, 0, sizeof(*out));
	shim_racy_reads_begin();	/* each counter has one writer */
	for (int i = 0; i < params.nr_tasks; i++)
		add_stats(out, &tasks[i].st);
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		add_stats(out, &irq_cpus[cpu].st);
	shim_racy_reads_end();
}

SHIM_EXPORT int hk_torture_failed(char *buf, size_t len)
{
	pthread_mutex_lock(&failure_lock);
	snprintf(buf, len, "%s", failure);
	pthread_mutex_unlock(&failure_lock);
	return failed;
}

static bool asleep(struct task_struct *t)
{
	return READ_ONCE(t->sleep_since_ns) && !READ_ONCE(t->vcpu) &&
	       __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != TASK_RUNNING;
}

/**
 * hk_torture_pause() - ask every task to stop between slices
 * @sleepers: set to how many of the quiescent tasks are asleep in the kernel
 *
 * Return: the number of tasks that are quiescent: paused, or asleep in the
 * kernel and not woken (a sleeper waits for a tag and holds none).
 */
SHIM_EXPORT int hk_torture_pause(int *sleepers)
{
	int quiet = 0;

	*sleepers = 0;
	__atomic_store_n(&pause_req, 1, __ATOMIC_SEQ_CST);
	/* an interrupt that began before the pause is still running */
	if (__atomic_load_n(&irqs_running, __ATOMIC_SEQ_CST))
		return 0;
	for (int i = 0; i < params.nr_tasks; i++) {
		if (__atomic_load_n(&tasks[i].paused, __ATOMIC_ACQUIRE)) {
			quiet++;
		} else if (asleep(tasks[i].task)) {
			quiet++;
			(*sleepers)++;
		}
	}
	return quiet;
}

/**
 * hk_torture_progress() - what the progress watchdog reads
 * @ops: each task's count of operations begun, and of an asymmetric run's
 *	turns with nothing to hand on or free (the harness's, not the
 *	allocator's counters)
 * @quiet: 1 for a task that is paused or asleep in the kernel, else 0
 * @n: room in both
 *
 * Return: the number of tasks.
 */
SHIM_EXPORT int hk_torture_progress(long *ops, int *quiet, int n)
{
	int i;

	if (!tasks)
		return 0;
	shim_racy_reads_begin();	/* each count has one writer */
	for (i = 0; i < params.nr_tasks && i < n; i++) {
		ops[i] = READ_ONCE(tasks[i].st.ops) + READ_ONCE(tasks[i].idle_turns);
		quiet[i] = __atomic_load_n(&tasks[i].paused, __ATOMIC_ACQUIRE) ||
			   asleep(tasks[i].task);
	}
	shim_racy_reads_end();
	return params.nr_tasks;
}

SHIM_EXPORT void hk_torture_resume(void)
{
	__atomic_store_n(&pause_req, 0, __ATOMIC_SEQ_CST);
}

/* The owner word of every tag: 0 for a tag nobody holds. */
SHIM_EXPORT void hk_torture_owners(int *out, long nr)
{
	for (long i = 0; i < nr && owner; i++)
		out[i] = __atomic_load_n(&owner[i], __ATOMIC_ACQUIRE);
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
	struct task_struct *t = hk_task_create("torture/end");
	int ret = 0;
	long r;

	if (!tasks)
		return 0;
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pause_req, 0, __ATOMIC_SEQ_CST);
	for (int i = 0; i < nr_helpers; i++)
		pthread_join(helpers[i], NULL);
	shim_set_irq_handler(NULL);
	shim_cpu_dying_probe = NULL;
	/* what the handlers hold goes back first: a sleeper may wait for it */
	while (__atomic_load_n(&irqs_running, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&shim_kernel_dead, __ATOMIC_SEQ_CST))
		sched_yield();	/* a handler that hit a BUG never comes back */
	if (t && !failed)
		hk_call(t, cpumask_first(cpu_online_mask), release_irq_slots, NULL, &r);
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
			static char dump[4096];

			hk_task_dump(dump, sizeof(dump));
			torture_fail("stall: task %d did not leave the kernel within "
				     "%ld ms of the end\n  every task:\n%s", i,
				     timeout_ms, dump);
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
