// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios for the deterministic engine: a pool, tasks with op programs,
 * interrupt handlers with their own programs, hotplug events; and the loops
 * that run one many times under a strategy (random, PCT, bounded exhaustive)
 * without coming back to Python between runs.  Every run ends with the
 * checks at quiescence: ownership all along, then conservation as a set,
 * availability on every online vCPU, memory back where it was.
 */
#define SHIM_RUNTIME	/* the harness: no access points of its own */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "../det.h"

#define DET_MAX_TASKS	16
#define DET_MAX_OPS	256
#define DET_MAX_TAGS	4096
#define HOLDERS		(DET_MAX_TASKS + DET_MAX_EVENTS)
#define HOLD_CAP	DET_MAX_OPS

enum hk_det_opcode {
	DOP_ALLOC,		/* a: task state */
	DOP_FREE,		/* a: which held tag, from the oldest; -1 newest */
	DOP_FREE_TAG,		/* a: a tag, whoever holds it */
	DOP_HAND,		/* a: which held tag, b: the task to hand it to */
	DOP_SIGNAL,		/* a: task, b: fatal */
	DOP_FREE_ALL,
	DOP_FOR_EACH_FREE,	/* traced: the count, then how many came twice */
	DOP_WALK_TWICE,		/* (trace only) */
	DOP_FREE_TAGS,		/* a: the cpu (nr_cpu_ids: the global stack) */
	/* driver scenarios: the tagblk driver owns the pool */
	DOP_SUBMIT,		/* the next request, sleeping for a tag */
	DOP_SUBMIT_ATOMIC,	/* the next request, from a timer or irq */
	DOP_COMPLETE,		/* the completion irq of the oldest issued one */
	DOP_TIMER,		/* the requeue timer */
	DOP_NAP,		/* schedule_timeout(a jiffies), b: interruptibly */
};

/* The driver's glue, in the images that have the driver (3.14+ API). */
int tagblk_det_setup(struct task_struct *t, long depth, long max_retries,
		     long nr) __attribute__((weak));
long tagblk_det_submit(long id, int atomic) __attribute__((weak));
long tagblk_det_complete(void) __attribute__((weak));
void tagblk_det_timer(void) __attribute__((weak));
long tagblk_det_in_flight(void) __attribute__((weak));
int tagblk_det_finish(struct task_struct *t, long submitted, char *msg,
		      size_t len) __attribute__((weak));

struct hk_det_op {
	int op;
	int a;
	int b;
};

struct hk_det_prog {
	int cpu;
	int first;
	int nr;
	int count;		/* irq handlers: how many interrupts */
};

struct hk_det_scenario {
	long nr_tags;
	long max_size;
	long batch_size;
	int nr_tasks;
	int nr_irqs;
	int nr_hotplug;
	int nr_ops;
	struct hk_det_prog tasks[DET_MAX_TASKS];
	struct hk_det_prog irqs[DET_MAX_EVENTS];
	int hotplug[DET_MAX_EVENTS][3];	/* cpu, up, may be refused */
	struct hk_det_op ops[DET_MAX_OPS];
	int driver;		/* a tagblk device of nr_tags tags, not a pool */
	int max_retries;	/* its atomic path's retries before -EBUSY */
	int spurious_wakeups;	/* at most this many sleepers woken without
				 * cause per run: each a decision */
};

enum hk_det_explore_kind {
	DX_REPLAY,
	DX_RANDOM,
	DX_PCT,
	DX_SCRIPT,
	DX_EXHAUSTIVE,
};

struct hk_det_config {
	int kind;
	int pct_depth;
	int preemption_bound;
	int migrations;
	int trace;
	int nr_script;
	int memory;
	int reduce;		/* exhaustive: partial-order reduction (det_por.c) */
	uint64_t seed;
	long runs;
	long run_length;
	long max_steps;
	long nr_decisions;
	const uint16_t *decisions;
	const struct det_script_step *script;
};

struct hk_det_result {
	struct det_outcome o;
	long runs;
	long total_steps;
	long failing_run;
	int exhausted;		/* exhaustive: every run within the bound ran */
	int horizon;		/* a run had more choices than are recorded */
	long distinct;		/* distinct decision lists run */
	int distinct_capped;	/* ... at least: the set is full */
	long varied_from;	/* the first choice a run varied, -1: none */
	long deepest;		/* the most choices in one run */
	long resume;		/* exhaustive: the next run's prefix length,
				 * -1 when none is left (hk_det_prefix()) */
};

struct holder {
	int nr;
	unsigned int tags[HOLD_CAP];
};

static struct {
	const struct hk_det_scenario *sc;
	struct hk_pool *pool;
	struct task_struct tasks[DET_MAX_TASKS];
	struct task_struct setup;
	struct task_struct rescue;
	struct holder holders[HOLDERS];
	int owner[DET_MAX_TAGS];
	long next_req;		/* driver scenarios: requests submitted */
} dr;

static const char *holder_name(int h)
{
	static char buf[32];

	if (h < 0)
		return "nobody";
	if (h < DET_MAX_TASKS)
		return dr.tasks[h].comm;
	snprintf(buf, sizeof(buf), "irq%d", h - DET_MAX_TASKS);
	return buf;
}

/* The ledger is the harness's, not instrumented: the reduction must see it. */
static void ledger_note(int h, unsigned int tag)
{
	shim_det_note(&dr.holders[h].nr, sizeof(int), true);
	shim_det_note(&dr.owner[tag], sizeof(int), true);
}

static void hold(int h, unsigned int tag)
{
	struct holder *ho = &dr.holders[h];

	if (ho->nr == HOLD_CAP)
		det_fail(DV_SETUP, "%s holds more than %d tags", holder_name(h),
			 HOLD_CAP);
	ledger_note(h, tag);
	ho->tags[ho->nr++] = tag;
	dr.owner[tag] = h;
}

/* Take the @idx-th held tag (-1: the newest) out of @h's hands, or -1. */
static long unhold(int h, int idx)
{
	struct holder *ho = &dr.holders[h];
	unsigned int tag;

	shim_det_note(&ho->nr, sizeof(int), true);
	if (!ho->nr)
		return -1;
	if (idx < 0 || idx >= ho->nr)
		idx = ho->nr - 1;
	tag = ho->tags[idx];
	ledger_note(h, tag);
	memmove(&ho->tags[idx], &ho->tags[idx + 1],
		(ho->nr - idx - 1) * sizeof(ho->tags[0]));
	ho->nr--;
	dr.owner[tag] = -1;
	return tag;
}

static void unhold_tag(unsigned int tag)
{
	struct holder *ho = &dr.holders[dr.owner[tag]];

	for (int i = 0; i < ho->nr; i++)
		if (ho->tags[i] == tag) {
			unhold(dr.owner[tag], i);
			return;
		}
}

static void check_alloc(int h, const struct hk_det_op *op, long ret)
{
	struct task_struct *t = shim_current;

	if (ret >= 0) {
		if (ret >= dr.sc->nr_tags)
			det_fail(DV_CHECK, "range: %s got tag %ld of a pool of %ld",
				 holder_name(h), ret, dr.sc->nr_tags);
		shim_det_note(&dr.owner[ret], sizeof(int), false);
		if (dr.owner[ret] >= 0)
			det_fail(DV_CHECK, "ownership: tag %ld allocated to %s "
				 "while %s holds it", ret, holder_name(h),
				 holder_name(dr.owner[ret]));
		hold(h, ret);
		return;
	}
	if (ret == -ENOSPC && op->a == TASK_RUNNING)
		return;
	if (ret == -ERESTARTSYS && op->a == TASK_INTERRUPTIBLE) {
		if (!t->sigpending)
			det_fail(DV_CHECK, "%s: -ERESTARTSYS with no signal pending",
				 holder_name(h));
		return;
	}
	det_fail(DV_CHECK, "%s: alloc in state %d returned %ld",
		 holder_name(h), op->a, ret);
}

static void free_tag(unsigned int tag)
{
	hk_free_tag(dr.pool, tag);
}

/*
 * The allocator's iterator while others run: nothing it reports may be out
 * of range; a tag it reports twice is counted (design A documents that a
 * walk racing a steal may see a tag in two caches).
 */
static long walk_free(int h)
{
	static unsigned int buf[DET_MAX_TAGS];
	static unsigned char seen[DET_MAX_TAGS];
	long n = hk_pool_walk(dr.pool, buf, DET_MAX_TAGS), twice = 0;

	if (n < 0)
		return n;
	memset(seen, 0, dr.sc->nr_tags);
	for (long i = 0; i < n && i < DET_MAX_TAGS; i++) {
		if (buf[i] >= dr.sc->nr_tags)
			det_fail(DV_CHECK, "%s: for_each_free reported tag %u of "
				 "a pool of %ld", holder_name(h), buf[i],
				 dr.sc->nr_tags);
		twice += seen[buf[i]];
		seen[buf[i]] = 1;
	}
	det_trace_event(DE_OP, DOP_WALK_TWICE, twice);
	return n;
}

static bool driver_op(int op)
{
	return op >= DOP_SUBMIT && op <= DOP_TIMER;
}

static void run_op(int h, const struct hk_det_op *op)
{
	long ret = 0, tag;

	/* the driver is built once, uninstrumented; walk_free's buffers are shared */
	if (driver_op(op->op) || op->op == DOP_FOR_EACH_FREE)
		det_opaque(true);
	switch (op->op) {
	case DOP_ALLOC: {
		long injected = shim_faults_injected();

		ret = hk_alloc_tag(dr.pool, op->a);
		/* an injected failure is the allocator's answer, whatever it is */
		if (ret >= 0 || shim_faults_injected() == injected)
			check_alloc(h, op, ret);
		break;
	}
	case DOP_FREE:
		/* the ledger lets go first: the free makes it allocatable */
		tag = unhold(h, op->a);
		if (tag >= 0)
			free_tag(tag);
		ret = tag;
		break;
	case DOP_FREE_TAG:
		if (op->a >= 0 && op->a < dr.sc->nr_tags) {
			shim_det_note(&dr.owner[op->a], sizeof(int), false);
			if (dr.owner[op->a] < 0)
				det_fail(DV_CHECK, "ownership: %s frees tag %d, "
					 "which nobody holds", holder_name(h), op->a);
			unhold_tag(op->a);
		}
		free_tag(op->a);
		ret = op->a;
		break;
	case DOP_HAND:
		tag = unhold(h, op->a);
		if (tag >= 0 && op->b >= 0 && op->b < dr.sc->nr_tasks)
			hold(op->b, tag);
		else if (tag >= 0)
			hold(h, tag);
		ret = tag;
		break;
	case DOP_SIGNAL:
		shim_det_note_machine();	/* another task's state */
		if (op->a >= 0 && op->a < dr.sc->nr_tasks)
			hk_signal(&dr.tasks[op->a], op->b);
		break;
	case DOP_FREE_ALL:
		while ((tag = unhold(h, -1)) >= 0)
			free_tag(tag);
		break;
	case DOP_FOR_EACH_FREE:
		ret = walk_free(h);
		break;
	case DOP_FREE_TAGS:
		if (op->a < 0 || op->a > (int)nr_cpu_ids)
			det_fail(DV_SETUP, "free_tags(%d): no such cpu", op->a);
		ret = hk_pool_free_tags(dr.pool, op->a);
		break;
	case DOP_SUBMIT:
	case DOP_SUBMIT_ATOMIC:
		ret = tagblk_det_submit(dr.next_req++, op->op == DOP_SUBMIT_ATOMIC);
		break;
	case DOP_COMPLETE:
		ret = tagblk_det_complete();
		break;
	case DOP_TIMER:
		tagblk_det_timer();
		break;
	case DOP_NAP:
		ret = op->b ? schedule_timeout_interruptible(op->a) :
			      schedule_timeout_uninterruptible(op->a);
		break;
	}
	det_opaque(false);
	det_trace_event(DE_OP, op->op, ret);
}

static long nr_held(void);

static void task_body(void *arg)
{
	int h = (long)arg;
	const struct hk_det_prog *p = &dr.sc->tasks[h];
	struct task_struct *t = &dr.tasks[h];

	for (int i = 0; i < p->nr; i++) {
		run_op(h, &dr.sc->ops[p->first + i]);
		/* back to user space between ops: a signal is delivered */
		shim_check_return_to_user(t);
		t->sigpending = 0;
		t->fatal_sigpending = 0;
	}
}

static void irq_body(void *arg)
{
	int e = (long)arg;
	const struct hk_det_prog *p = &dr.sc->irqs[e];

	for (int i = 0; i < p->nr; i++)
		run_op(DET_MAX_TASKS + e, &dr.sc->ops[p->first + i]);
}

/* Holders that will not free what they hold: finished tasks, handlers. */
static bool holder_finished(int h)
{
	return h >= DET_MAX_TASKS || det_fiber_done(h);
}

static bool rescue_wanted(void)
{
	if (dr.sc->driver)
		return tagblk_det_in_flight() > 0;
	for (int h = 0; h < HOLDERS; h++)
		if (dr.holders[h].nr && holder_finished(h))
			return true;
	return false;
}

/*
 * Every task waits and every tag is held: if finished tasks or handlers hold
 * some, they are given back (as their exit would); in a driver scenario the
 * hardware finishes what it has.  Then the rescue waits for the next stall.
 */
static void rescue_body(void *arg)
{
	unsigned long flags;
	long tag;

	for (;;) {
		if (dr.sc->driver) {
			/* completions run with irqs off */
			local_irq_save(flags);
			while (tagblk_det_complete())
				det_trace_event(DE_OP, DOP_COMPLETE, 1);
			local_irq_restore(flags);
		}
		for (int h = 0; h < HOLDERS; h++)
			while (holder_finished(h) && (tag = unhold(h, -1)) >= 0) {
				free_tag(tag);
				det_trace_event(DE_OP, DOP_FREE, tag);
			}
		det_rescue_wait();
	}
}

static void reset_task(struct task_struct *t, int idx)
{
	if (!t->comm[0]) {
		char name[TASK_COMM_LEN];

		snprintf(name, sizeof(name), "det%d", idx);
		shim_task_init(t, name, 0);
	}
	t->state = TASK_RUNNING;
	t->preempt_count = 0;
	t->irqs_off = 0;
	t->sigpending = 0;
	t->fatal_sigpending = 0;
	t->lockdep_depth = 0;
	t->vcpu = NULL;
	t->waiting_on = NULL;
	t->fail_nth = 0;
	t->next_cpu = -1;
}

/* ---- set-up and the checks at quiescence, from the harness thread ---- */

static long setup_op(int opcode, long a, long b, long c,
		     unsigned int *buf, long cap, long *count)
{
	struct hk_pool_op op = {
		.opcode = opcode, .pool = dr.pool, .a = a, .b = b, .c = c,
		.buf = buf, .cap = cap,
	};
	unsigned int cpu = cpumask_first(cpu_online_mask);
	long ret = 0;
	int err;

	err = hk_pool_op(&dr.setup, cpu, 0, &op, &ret);
	if (count)
		*count = op.count;
	return err ? -HK_EBUG : ret;
}

static int check_conservation(struct det_outcome *o)
{
	static unsigned int free_set[DET_MAX_TAGS];
	static unsigned char seen[DET_MAX_TAGS];
	long n = 0, nr = dr.sc->nr_tags, counted = 0, ret;
	int feat = hk_features();

	if (!(feat & HK_FEAT_FOR_EACH_FREE))
		return 0;
	ret = setup_op(HK_OP_FOR_EACH_FREE, 0, 0, 0, free_set, DET_MAX_TAGS, &n);
	if (ret == -HK_EBUG)
		return -1;
	if (ret) {	/* the callback never asks it to stop */
		o->verdict = DV_CHECK;
		snprintf(o->msg, sizeof(o->msg),
			 "conservation: for_each_free returned %ld, though the "
			 "callback returned 0 for each of its %ld tags", ret, n);
		return -1;
	}
	memset(seen, 0, nr);
	for (long i = 0; i < n && i < DET_MAX_TAGS; i++) {
		unsigned int tag = free_set[i];

		if (tag >= nr || seen[tag] || dr.owner[tag] >= 0) {
			o->verdict = DV_CHECK;
			snprintf(o->msg, sizeof(o->msg),
				 "conservation: tag %u is free %s", tag,
				 tag >= nr ? "but out of range" :
				 seen[tag] ? "twice" : "and held");
			return -1;
		}
		seen[tag] = 1;
	}
	for (long tag = 0; tag < nr; tag++)
		if (!seen[tag] && dr.owner[tag] < 0) {
			o->verdict = DV_CHECK;
			snprintf(o->msg, sizeof(o->msg),
				 "conservation: tag %ld is lost: neither free "
				 "nor held (%ld free)", tag, n);
			return -1;
		}
	if (feat & HK_FEAT_FREE_TAGS) {
		for (unsigned int cpu = 0; cpu <= nr_cpu_ids; cpu++) {
			long cached = setup_op(HK_OP_FREE_TAGS, cpu, 0, 0, NULL, 0, NULL);

			counted += cached;
			if ((feat & HK_FEAT_CACHE_BOUND) && cpu < nr_cpu_ids &&
			    cached > dr.sc->max_size) {
				o->verdict = DV_CHECK;
				snprintf(o->msg, sizeof(o->msg),
					 "cache-bound: cpu %u%s caches %ld free tags, "
					 "more than percpu_max_size %ld", cpu,
					 shim_vcpus[cpu].online ? "" : " (offline)",
					 cached, dr.sc->max_size);
				return -1;
			}
		}
		if (counted != n) {
			o->verdict = DV_CHECK;
			snprintf(o->msg, sizeof(o->msg),
				 "conservation: the counters say %ld free, the "
				 "iterator found %ld", counted, n);
			return -1;
		}
	}
	return 0;
}

static long nr_held(void)
{
	long n = 0;

	for (int h = 0; h < HOLDERS; h++)
		n += dr.holders[h].nr;
	return n;
}

static int check_availability(struct det_outcome *o)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct hk_pool_op op = {
			.opcode = HK_OP_ALLOC, .pool = dr.pool, .a = TASK_RUNNING,
		};
		long ret = 0;

		if (nr_held() >= dr.sc->nr_tags)
			return 0;
		if (hk_pool_op(&dr.setup, cpu, 0, &op, &ret))
			return -1;
		if (ret < 0) {
			o->verdict = DV_CHECK;
			snprintf(o->msg, sizeof(o->msg),
				 "availability: alloc on cpu %u failed (%ld) "
				 "while %ld tags are free", cpu, ret,
				 dr.sc->nr_tags - nr_held());
			return -1;
		}
		op.opcode = HK_OP_FREE;
		op.a = ret;
		if (hk_pool_op(&dr.setup, cpu, 0, &op, &ret))
			return -1;
	}
	return 0;
}

static void bug_outcome(struct det_outcome *o, const char *what)
{
	struct hk_report r;
	int n = hk_report_count();

	o->verdict = DV_BUG;
	if (n && !hk_report_get(n - 1, &r))
		snprintf(o->msg, sizeof(o->msg), "%s: %s at %s:%d in %s()",
			 what, r.msg, r.file, r.line, r.func);
}

static bool mem_equal(const struct hk_mem_stats *a, const struct hk_mem_stats *b)
{
	return a->slab_objs == b->slab_objs && a->page_objs == b->page_objs &&
	       a->percpu_objs == b->percpu_objs;
}

/* After the fibers: the checks, then everything back as it was. */
static void finish_run(struct det_outcome *o, const struct hk_mem_stats *before,
		       int reports_before)
{
	struct hk_mem_stats after;
	struct hk_report r;
	long tag;

	if (hk_report_count() > reports_before &&
	    !hk_report_get(reports_before, &r)) {
		o->verdict = DV_REPORT;
		snprintf(o->msg, sizeof(o->msg), "%s at %s:%d in %s() (task %s)",
			 r.msg, r.file, r.line, r.func, r.task);
		return;
	}
	if (dr.sc->driver) {
		if (tagblk_det_finish(&dr.setup, dr.next_req, o->msg,
				      sizeof(o->msg)))
			goto driver_failed;
		goto memory;
	}
	if (check_conservation(o) || check_availability(o))
		goto dead;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (!shim_vcpus[cpu].online && hk_cpu_up(cpu))
			goto dead;
	for (int h = 0; h < HOLDERS; h++)
		while ((tag = unhold(h, -1)) >= 0)
			if (setup_op(HK_OP_FREE, tag, 0, 0, NULL, 0, NULL) < 0)
				goto dead;
	if (setup_op(HK_OP_DESTROY, 0, 0, 0, NULL, 0, NULL) < 0)
		goto dead;
	hk_pool_release(dr.pool);
	dr.pool = NULL;
memory:
	hk_mem_stats(&after);
	if (!mem_equal(before, &after)) {
		o->verdict = DV_CHECK;
		snprintf(o->msg, sizeof(o->msg),
			 "memory: %ld slab, %ld page, %ld percpu objects left "
			 "after destroy", after.slab_objs - before->slab_objs,
			 after.page_objs - before->page_objs,
			 after.percpu_objs - before->percpu_objs);
	}
	return;
driver_failed:
	if (!shim_kernel_dead) {
		o->verdict = DV_CHECK;
		return;
	}
dead:
	if (o->verdict != DV_PASS)
		return;
	if (shim_kernel_dead) {
		bug_outcome(o, "BUG in the checks");
		return;
	}
	/* a call at quiescence failed without a BUG: never a pass */
	o->verdict = DV_CHECK;
	snprintf(o->msg, sizeof(o->msg), "no progress: a check at quiescence "
		 "could not run (a CPU would not come back up, or the harness "
		 "could not enter the kernel)");
}

/* Every request a driver scenario can submit: its submit ops, run. */
static long nr_requests(const struct hk_det_scenario *sc)
{
	long n = 0;

	for (int i = 0; i < sc->nr_tasks + sc->nr_irqs; i++) {
		const struct hk_det_prog *p = i < sc->nr_tasks ? &sc->tasks[i] :
					      &sc->irqs[i - sc->nr_tasks];
		int times = i < sc->nr_tasks ? 1 : p->count;

		for (int k = 0; k < p->nr; k++) {
			int op = sc->ops[p->first + k].op;

			n += (op == DOP_SUBMIT || op == DOP_SUBMIT_ATOMIC) * times;
		}
	}
	return n;
}

/*
 * Every task asleep while tags are free: say where they are, not why.  A
 * free that woke nobody and a woken search that missed the tags (a steal
 * that skipped a cache) end alike; the trace tells which.
 */
static void say_where_free(struct det_outcome *o,
			   const struct hk_det_scenario *sc)
{
	long busy = sc->driver ? tagblk_det_in_flight() : nr_held();
	size_t used = strlen(o->msg);
	long global;

	used += snprintf(o->msg + used, sizeof(o->msg) - used,
			 "\n  %ld of %ld tags are free", sc->nr_tags - busy,
			 sc->nr_tags);
	global = sc->driver ? -1 : hk_pool_free_tags(dr.pool, nr_cpu_ids);
	if (global >= 0) {
		used += snprintf(o->msg + used, sizeof(o->msg) - used,
				 " (global %ld, cached:", global);
		for (unsigned int cpu = 0; cpu < nr_cpu_ids && used < sizeof(o->msg); cpu++)
			used += snprintf(o->msg + used, sizeof(o->msg) - used,
					 " cpu%u %ld", cpu,
					 hk_pool_free_tags(dr.pool, cpu));
		used += snprintf(o->msg + used, sizeof(o->msg) - used, ")");
	}
	if (used < sizeof(o->msg))
		snprintf(o->msg + used, sizeof(o->msg) - used,
			 ": no wakeup reached a sleeper after they were freed, "
			 "or a woken search missed them");
}

static void one_run(const struct det_strategy *s, struct det_outcome *o)
{
	const struct hk_det_scenario *sc = dr.sc;
	int reports = hk_report_count();
	struct hk_mem_stats before;
	long ret;

	hk_mem_stats(&before);
	por_objects_restart();
	memset(dr.owner, 0xff, sizeof(dr.owner[0]) * sc->nr_tags);
	for (int h = 0; h < HOLDERS; h++)
		dr.holders[h].nr = 0;
	dr.next_req = 0;
	if (sc->driver) {
		ret = tagblk_det_setup(&dr.setup, sc->nr_tags, sc->max_retries,
				       nr_requests(sc));
	} else {
		dr.pool = hk_pool_new(sc->nr_tags);
		ret = setup_op(HK_OP_INIT, sc->nr_tags, sc->max_size,
			       sc->batch_size, NULL, 0, NULL);
	}
	if (ret) {
		memset(o, 0, sizeof(*o));
		o->verdict = ret == -HK_EBUG ? DV_BUG : DV_SETUP;
		snprintf(o->msg, sizeof(o->msg), "pool init failed: %ld", ret);
		if (ret == -HK_EBUG)
			bug_outcome(o, "BUG in init");
		return;
	}
	det_reset();
	det_set_spurious(sc->spurious_wakeups);
	for (int i = 0; i < sc->nr_tasks; i++) {
		reset_task(&dr.tasks[i], i);
		det_add_task(&dr.tasks[i], sc->tasks[i].cpu, task_body, (void *)(long)i);
	}
	for (int e = 0; e < sc->nr_irqs; e++)
		det_add_irq(sc->irqs[e].cpu, sc->irqs[e].count, irq_body,
			    (void *)(long)e);
	if (!dr.rescue.comm[0])
		shim_task_init(&dr.rescue, "rescue", 0);
	reset_task(&dr.rescue, DET_MAX_TASKS);
	det_add_rescue(&dr.rescue, 0, rescue_body, NULL, rescue_wanted);
	for (int i = 0; i < sc->nr_hotplug; i++)
		det_add_hotplug(sc->hotplug[i][0], sc->hotplug[i][1],
				sc->hotplug[i][2]);
	/* faults strike the scenario's calls, never the set-up or the checks */
	shim_fault_rewind();
	hk_fault_suspend(0);
	det_run(s, o);
	hk_fault_suspend(1);
	if (o->verdict == DV_DEADLOCK && nr_held() == sc->nr_tags) {
		/* nothing lost, nothing missed: the scenario wants more tags */
		char msg[sizeof(o->msg)];

		o->verdict = DV_EXHAUSTED;
		snprintf(msg, sizeof(msg), "every tag is held: %s", o->msg);
		memcpy(o->msg, msg, sizeof(msg));
	}
	if (o->verdict == DV_DEADLOCK)
		say_where_free(o, sc);
	if (o->verdict == DV_BUG) {
		char msg[sizeof(o->msg)];

		memcpy(msg, o->msg, sizeof(msg));
		bug_outcome(o, msg);
	}
	if (o->verdict != DV_PASS) {
		/* fibers were left holding vCPUs and locks: this kernel is done */
		shim_kill_kernel();
		return;
	}
	det_checks(true);
	finish_run(o, &before, reports);
	ret = det_checks(false);
	if (ret) {
		const char *where;
		void *addr = det_crash_address(&where);

		o->verdict = DV_CRASH;
		snprintf(o->msg, sizeof(o->msg),
			 "crash in the end-of-run checks: %s at address %p, "
			 "%s (the run left the allocator corrupt)",
			 strsignal(ret), addr, where);
	}
	if (o->verdict != DV_PASS)
		shim_kill_kernel();
}

static const char *check_scenario(const struct hk_det_scenario *sc)
{
	if (sc->nr_tags < 1 || sc->nr_tags > DET_MAX_TAGS)
		return "nr_tags out of range";
	if (sc->nr_tasks < 0 || sc->nr_tasks > DET_MAX_TASKS ||
	    sc->nr_irqs < 0 || sc->nr_irqs > DET_MAX_EVENTS ||
	    sc->nr_hotplug < 0 || sc->nr_hotplug > DET_MAX_EVENTS ||
	    sc->nr_ops < 0 || sc->nr_ops > DET_MAX_OPS)
		return "too many tasks, handlers, events or ops";
	for (int i = 0; i < sc->nr_tasks + sc->nr_irqs; i++) {
		const struct hk_det_prog *p = i < sc->nr_tasks ? &sc->tasks[i] :
					      &sc->irqs[i - sc->nr_tasks];

		if (p->cpu < 0 || p->cpu >= (int)nr_cpu_ids)
			return "a program's vCPU does not exist";
		if (p->first < 0 || p->nr < 0 || p->first + p->nr > sc->nr_ops)
			return "a program's ops are out of range";
	}
	for (int i = 0; i < sc->nr_hotplug; i++)
		if (sc->hotplug[i][0] < 0 || sc->hotplug[i][0] >= (int)nr_cpu_ids)
			return "a hotplug event's vCPU does not exist";
	if (sc->driver && !tagblk_det_setup)
		return "this image has no driver (it needs the 3.14 API)";
	for (int i = 0; i < sc->nr_ops; i++)
		if (driver_op(sc->ops[i].op) != !!sc->driver)
			return sc->driver ? "a driver scenario has only driver ops" :
			       "driver ops need a driver scenario";
	return NULL;
}

/*
 * Bounded exhaustive search: the next run replays the last one up to its
 * deepest choice that has an untried option within the preemption bound,
 * takes that option, and goes on with decision 0.  A run with more choices
 * than are recorded cannot be varied past them: the search is then never
 * complete (the caller sees the horizon).
 */
static long next_prefix(uint16_t *prefix, long nr_choices, int bound)
{
	static int pre_at[DET_MAX_CHOICES];
	long n = min(nr_choices, (long)DET_MAX_CHOICES);
	int pre = 0;

	for (long i = 0; i < n; i++) {
		pre_at[i] = pre;
		pre += det_chosen[i] && det_cur_enabled[i];
	}
	for (long i = n - 1; i >= 0; i--) {
		if (det_chosen[i] + 1 >= det_options[i])
			continue;
		if (pre_at[i] + det_cur_enabled[i] > bound)
			continue;
		memcpy(prefix, det_chosen, i * sizeof(prefix[0]));
		prefix[i] = det_chosen[i] + 1;
		return i + 1;
	}
	return -1;
}

/*
 * Coverage of a search: distinct decision lists run (a hash of each, in an
 * open-addressed set), and the first choice any run varied from the first
 * run's (a capped depth-first search varies only the tail).
 */
#define SCHEDULE_SET	(1 << 18)
#define SCHEDULES_NOTED	64	/* slots a search cleans one by one */

static struct {
	uint64_t hashes[SCHEDULE_SET];
	long used[SCHEDULES_NOTED];	/* the first slots filled */
	uint16_t first[DET_MAX_CHOICES];
	long nr_first;
} cov;

/* Empty the set: a replay (one slot) must not pay for a 2 MB memset. */
static void cover_reset(long filled)
{
	if (filled > SCHEDULES_NOTED)
		memset(cov.hashes, 0, sizeof(cov.hashes));
	else
		for (long i = 0; i < filled; i++)
			cov.hashes[cov.used[i]] = 0;
}

static uint64_t schedule_hash(long n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (long i = 0; i < n; i++)
		h = (h ^ det_chosen[i]) * 0x100000001b3ULL;
	return h | 1;	/* 0 is an empty slot */
}

static void cover_run(struct hk_det_result *res)
{
	long n = min(res->o.nr_choices, (long)DET_MAX_CHOICES);
	uint64_t h = schedule_hash(n);
	long i;

	if (res->o.nr_choices > DET_MAX_CHOICES)
		res->horizon = 1;
	res->deepest = max(res->deepest, res->o.nr_choices);
	if (res->runs == 1) {
		memcpy(cov.first, det_chosen, n * sizeof(cov.first[0]));
		cov.nr_first = n;
		res->varied_from = -1;
	}
	for (i = 0; i < min(n, cov.nr_first); i++)
		if (det_chosen[i] != cov.first[i])
			break;
	if (i < max(n, cov.nr_first) &&
	    (res->varied_from < 0 || i < res->varied_from))
		res->varied_from = i;
	for (i = h & (SCHEDULE_SET - 1); cov.hashes[i]; i = (i + 1) & (SCHEDULE_SET - 1))
		if (cov.hashes[i] == h)
			return;
	if (res->distinct < SCHEDULE_SET / 2) {
		cov.hashes[i] = h;
		if (res->distinct < SCHEDULES_NOTED)
			cov.used[res->distinct] = i;
		res->distinct++;
	} else {
		res->distinct_capped = 1;
	}
}

/* The runs of one exploration, on dr.sc, until one fails or the budget ends. */
static uint16_t prefix[DET_MAX_CHOICES];	/* exhaustive: the next run's */
static const uint16_t *resume_from = prefix;	/* hk_det_prefix() */

static int explore_runs(const struct hk_det_config *cfg,
			struct hk_det_result *res, const struct det_strategy *base)
{
	struct det_strategy s = *base;
	long runs = cfg->kind == DX_REPLAY || cfg->kind == DX_SCRIPT ? 1 :
		    max(cfg->runs, 1L);

	if (!dr.setup.comm[0])
		shim_task_init(&dr.setup, "det-setup", PF_HARNESS);
	if (cfg->kind == DX_REPLAY) {
		s.decisions = cfg->decisions;
		s.nr_decisions = cfg->nr_decisions;
	}
	if (cfg->kind == DX_SCRIPT) {
		s.kind = DET_SCRIPT;
		s.script = cfg->script;
		s.nr_script = cfg->nr_script;
	}
	resume_from = prefix;
	if (cfg->kind == DX_EXHAUSTIVE && s.reduce && cfg->nr_decisions > 0) {
		/* the reducing search resumes its own list (por_encode()) */
		s.decisions = prefix;
		s.nr_decisions = por_decode(cfg->decisions, cfg->nr_decisions,
					    prefix);
		if (s.nr_decisions < 0) {
			snprintf(res->o.msg, sizeof(res->o.msg),
				 "not a list a reducing search wrote to resume from");
			return -EINVAL;
		}
	} else if (cfg->kind == DX_EXHAUSTIVE) {
		/* from the start, or from where an earlier search stopped */
		s.decisions = prefix;
		s.nr_decisions = min(max(cfg->nr_decisions, 0L), (long)DET_MAX_CHOICES);
		if (s.nr_decisions)
			memcpy(prefix, cfg->decisions,
			       s.nr_decisions * sizeof(prefix[0]));
	}
	if ((cfg->kind == DX_PCT || cfg->kind == DX_RANDOM) && s.run_length <= 0) {
		/*
		 * Both place their rare decisions over a run's length: the run
		 * without preemptions, the first of the budget, measures it.
		 */
		one_run(&s, &res->o);
		res->runs++;
		res->total_steps += res->o.steps;
		cover_run(res);
		s.run_length = res->o.steps;
		if (res->o.verdict != DV_PASS)
			return 0;
	}
	for (long run = res->runs; run < runs; run++) {
		if (cfg->kind == DX_RANDOM || cfg->kind == DX_PCT) {
			s.kind = cfg->kind == DX_RANDOM ? DET_RANDOM : DET_PCT;
			s.seed = cfg->seed + run;
		}
		one_run(&s, &res->o);
		res->runs++;
		res->total_steps += res->o.steps;
		cover_run(res);
		/* the next run's prefix: also where a later search resumes */
		if (cfg->kind == DX_EXHAUSTIVE && s.reduce)
			s.nr_decisions = res->resume =
				por_next_prefix(prefix, res->o.nr_choices,
						s.nr_decisions);
		else if (cfg->kind == DX_EXHAUSTIVE)
			s.nr_decisions = res->resume =
				next_prefix(prefix, res->o.nr_choices,
					    cfg->preemption_bound);
		if (res->o.verdict != DV_PASS && res->o.verdict != DV_EXHAUSTED) {
			res->failing_run = run;
			return 0;
		}
		if (cfg->kind == DX_EXHAUSTIVE && s.nr_decisions < 0) {
			res->exhausted = !res->horizon;
			return 0;
		}
		/* every tag held by waiters: no bug, but this kernel is done */
		if (res->o.verdict == DV_EXHAUSTED)
			return 0;
	}
	return 0;
}

/**
 * hk_det_explore() - run a scenario under a strategy until it fails or the
 * budget is spent
 * @sc: the scenario
 * @cfg: strategy and budget; DX_REPLAY and DX_SCRIPT run once
 * @res: verdict of the last run, counts; the last run's decisions and trace
 *       are read with hk_det_decisions() and hk_det_trace()
 *
 * Return: 0, or -EINVAL with the reason in @res->o.msg.
 */
SHIM_EXPORT int hk_det_explore(const struct hk_det_scenario *sc,
			       const struct hk_det_config *cfg,
			       struct hk_det_result *res)
{
	struct det_strategy s = {
		.kind = DET_REPLAY,
		.max_steps = cfg->max_steps > 0 ? cfg->max_steps : 100000,
		.migrations = cfg->migrations,
		.trace = cfg->trace,
		.memory = cfg->memory,
		.pct_depth = cfg->pct_depth,
		.run_length = cfg->run_length,
	};
	const char *bad = check_scenario(sc);
	int err;

	memset(res, 0, sizeof(*res));
	if (bad) {
		snprintf(res->o.msg, sizeof(res->o.msg), "bad scenario: %s", bad);
		return -EINVAL;
	}
	if (shim_kernel_dead) {
		snprintf(res->o.msg, sizeof(res->o.msg), "the kernel is dead");
		return -EINVAL;
	}
	dr.sc = sc;
	shim_fault_snapshot();
	hk_fault_suspend(1);
	s.reduce = cfg->kind == DX_EXHAUSTIVE && cfg->reduce &&
		   !por_search_start(cfg->preemption_bound);
	err = explore_runs(cfg, res, &s);
	if (s.reduce) {
		if (res->resume > 0) {
			/* what a reducing search resumes from is its own list */
			resume_from = por_encode(res->resume, &res->resume);
			if (!resume_from) {
				resume_from = prefix;
				res->resume = -1;
			}
		}
		por_search_end();
	}
	cover_reset(res->distinct);
	hk_fault_suspend(0);
	return err;
}

/* An exhaustive search's next prefix: where a new search resumes it. */
SHIM_EXPORT void hk_det_prefix(uint16_t *buf, long n)
{
	memcpy(buf, resume_from, n * sizeof(buf[0]));
}

/* The last run's first @n decisions (what replays it) and their options. */
SHIM_EXPORT void hk_det_decisions(uint16_t *buf, uint16_t *options, long n)
{
	n = min(n, (long)DET_MAX_CHOICES);
	memcpy(buf, det_chosen, n * sizeof(buf[0]));
	memcpy(options, det_options, n * sizeof(options[0]));
}

/* The last run's trace, oldest first (the last DET_MAX_TRACE steps). */
SHIM_EXPORT long hk_det_trace(struct det_trace_ent *buf, long cap)
{
	long n = min(det_nr_trace, (long)DET_MAX_TRACE), first = det_nr_trace - n;

	n = min(n, cap);
	for (long i = 0; i < n; i++)
		buf[i] = det_trace[(first + i) % DET_MAX_TRACE];
	return n;
}
