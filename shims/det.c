// SPDX-License-Identifier: GPL-2.0
/*
 * The deterministic engine.  Tasks, irq handlers and hotplug events are
 * fibers on the calling thread.  Every scheduling point stops the running
 * fiber, lists the decisions the machine model allows (continue, run another
 * fiber, give a waiting fiber a vCPU, preempting a task at a preemptible
 * point, migrate, inject an interrupt where irqs are on, start a hotplug
 * event) and lets the strategy pick one.  Decision 0 is always "carry on as
 * you are", so a list of zeros is the run without preemptions and a shorter,
 * smaller list is a simpler run: that is what shrinking aims for.
 *
 * A fiber spinning on a lock word waits until the word is clear; one in a
 * cpu_relax() loop waits until some other fiber has moved.  No decision left
 * while a fiber waits is a deadlock; a run past max_steps is a livelock.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/cpumask.h>
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <execinfo.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "det.h"

#define DET_STACK_SIZE	(256 << 10)

enum fiber_kind { FK_TASK, FK_IRQ, FK_HOTPLUG };
enum fiber_state {
	FS_RUNNING,
	FS_READY,	/* stopped at a scheduling point */
	FS_SPIN,	/* on a held lock word */
	FS_RELAX,	/* in a cpu_relax() loop */
	FS_SLEEP,	/* in schedule(), until TASK_RUNNING */
	FS_NEED_VCPU,	/* wants a vCPU: want_cpu, or any online one */
	FS_DONE,
	FS_DORMANT,	/* the rescue, until a stall calls for it */
};

static const char *const state_names[] = {
	"running", "ready", "spinning", "relaxing", "sleeping", "wants a vCPU",
	"done", "dormant",
};

struct det_fiber {
	struct shim_fiber ctx;
	int id;
	int kind;
	int state;
	int want_cpu;		/* FS_NEED_VCPU: this one only, or -1 */
	bool enter;		/* on a grant, enter the task on the vCPU */
	int home;		/* the vCPU a task would rather run on */
	int cpu;		/* FK_IRQ, FK_HOTPLUG: their vCPU */
	int event;		/* FK_IRQ: the irq event */
	int prio;		/* PCT */
	int up;			/* FK_HOTPLUG */
	int refused;		/* FK_HOTPLUG: a callback says no (a decision) */
	long relax_since;
	long last_step;
	/* the reducing search: who it is in every run, and its step */
	uint64_t ident;
	int pt_kind;		/* the point it stopped at, -1: it blocked */
	const volatile void *pt_obj;
	bool opaque;		/* in code no footprint covers (det_opaque()) */
	struct task_struct *task;
	struct task_struct *cur;	/* shim_current while switched out */
	const volatile int *spin_word;
	void (*fn)(void *);
	void *arg;
};

struct det_irq_event {
	int cpu;
	int count;
	int prio;
	void (*fn)(void *);
	void *arg;
};

/* DK_WAKE: a sleeper made runnable by its timer (event 0) or for no reason */
enum dec_kind { DK_RUN, DK_IRQ, DK_HOTPLUG, DK_WAKE };
enum { WAKE_TIMEOUT, WAKE_SPURIOUS };

struct det_dec {
	short kind;
	short fiber;
	short cpu;
	short event;
};

int shim_det_active;
uintptr_t shim_det_stack[2];	/* the running fiber's stack: memtrace.c */
uint16_t det_chosen[DET_MAX_CHOICES];
uint16_t det_options[DET_MAX_CHOICES];
uint8_t det_cur_enabled[DET_MAX_CHOICES];
struct det_trace_ent det_trace[DET_MAX_TRACE];
long det_nr_trace;

static struct task_struct hotplug_task;

static struct {
	struct shim_fiber main;
	struct det_fiber fibers[DET_MAX_FIBERS];
	int nr_fibers;
	int nr_tasks;
	struct det_fiber *cur;
	struct det_fiber *irq_on[NR_CPUS];
	struct det_irq_event irqs[DET_MAX_EVENTS];
	int nr_irqs;
	int hp_cpu[DET_MAX_EVENTS], hp_up[DET_MAX_EVENTS], hp_may_fail[DET_MAX_EVENTS];
	int nr_hp, next_hp, hp_prio;
	bool hp_active;
	struct det_dec decs[DET_MAX_DECS];
	int nr_decs;
	const struct det_strategy *s;
	struct det_outcome *out;
	uint64_t rng;
	long pct_change[16];
	int nr_pct_change;
	/* random, PCT: the step each rare decision is due (see timed_pick()) */
	long irq_at[DET_MAX_EVENTS];
	long hp_at;
	long mig_at[DET_MAX_FIBERS];
	long start_at[DET_MAX_FIBERS];	/* a task's first run */
	long resume_at[DET_MAX_FIBERS];	/* a sleeper's first run once woken */
	int script_pos;
	long script_count;
	unsigned long base;
	int crash_sig;
	void *crash_addr;
	unsigned long crash_ip;	/* the faulting instruction */
	unsigned long crash_ret; /* the word on top of its stack, or 0 */
	unsigned long crash_caller; /* its frame's return address, or 0 */
	struct det_fiber *rescue;
	bool (*rescue_wanted)(void);
	uint64_t clock_ns;	/* virtual time, from 0 each run */
	int spurious;		/* sleepers woken without cause, at most, per run */
	int nr_spurious;
	int hook_point;		/* the point the running step ends at, or -1 */
	long last_choice;	/* the choice just made, -1: a single option */
} det;

uint64_t shim_det_clock_ns(void)
{
	return det.clock_ns;
}

void shim_det_clock_advance(uint64_t ns)
{
	det.clock_ns += ns;
}

/* How many times a run from now on may wake a sleeper for no reason. */
void det_set_spurious(int most)
{
	det.spurious = most;
}

/*
 * A xorshift state from a seed, mixed (splitmix64's finaliser) so that
 * neighbouring seeds, which a search uses run after run, start far apart:
 * xorshift's first outputs from close states are close.
 */
static uint64_t seed_state(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1;
}

static uint64_t det_rand(void)
{
	uint64_t x = det.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	det.rng = x;
	return x;
}

static unsigned long image_base(void)
{
	Dl_info info;

	if (!det.base && dladdr((void *)image_base, &info))
		det.base = (unsigned long)info.dli_fbase;
	return det.base;
}

static void trace_add(struct det_fiber *f, int point, const volatile void *obj,
		      long value, unsigned long pc)
{
	struct det_trace_ent *e;

	if (!det.s->trace)
		return;
	e = &det_trace[det_nr_trace++ % DET_MAX_TRACE];
	e->step = det.out->steps;
	e->cpu = f && f->task ? (f->kind == FK_IRQ ? f->cpu : f->cur->cpu) : -1;
	e->fiber = f ? f->id : -1;
	e->point = point;
	e->who = !f ? -1 : f == det.rescue ? 3 << 12 :
		 f->kind << 12 | (f->kind == FK_IRQ ? f->event : f->id);
	e->value = value;
	e->obj = (uint64_t)(unsigned long)obj;
	e->pc = pc ? pc - image_base() : 0;
}

/**
 * det_trace_event() - put a harness event in the running fiber's trace
 * @kind: a DE_* event
 * @obj: what it is about
 * @value: its value
 */
void det_trace_event(int kind, unsigned long obj, long value)
{
	trace_add(det.cur, kind, (const void *)obj, value, 0);
}

static void end_run(bool exiting) __attribute__((noreturn));

/* Every fiber, where it stands and what it waits for: for a hang report. */
static void describe_fibers(char *buf, size_t len)
{
	size_t used = strlen(buf);

	for (int i = 0; i < det.nr_fibers && used < len; i++) {
		const struct det_fiber *f = &det.fibers[i];
		const struct task_struct *t = f->cur;

		used += snprintf(buf + used, len - used,
				 "\n  %s/%d: %s, cpu %d%s, preempt 0x%x%s",
				 t->comm, t->pid, state_names[f->state], t->cpu,
				 t->vcpu ? " (holds it)" : "", t->preempt_count,
				 t->irqs_off ? ", irqs off" : "");
		if (used < len && f->state == FS_SLEEP && t->waiting_on)
			used += snprintf(buf + used, len - used,
					 ", asleep on wait queue %p", t->waiting_on);
		if (used < len && f->state == FS_SPIN) {
			const struct raw_spinlock *l = container_of(
				(const int *)f->spin_word, struct raw_spinlock, locked);

			used += snprintf(buf + used, len - used,
					 ", spins on %s held by %s",
					 l->dep_map.name ? l->dep_map.name : "?",
					 l->owner ? l->owner->comm : "?");
		}
	}
}

static void end_run(bool exiting)
{
	struct det_fiber *f = det.cur;

	det.cur = NULL;
	shim_fiber_switch(&f->ctx, &det.main, exiting);
	__builtin_unreachable();
}

/**
 * det_fail() - end the run with a verdict
 * @verdict: what went wrong
 * @fmt: the message
 *
 * Called from a fiber, it never returns; the first verdict of a run stands.
 */
void det_fail(int verdict, const char *fmt, ...)
{
	va_list ap;

	if (det.out->verdict == DV_PASS) {
		det.out->verdict = verdict;
		va_start(ap, fmt);
		vsnprintf(det.out->msg, sizeof(det.out->msg), fmt, ap);
		va_end(ap);
		if (verdict == DV_DEADLOCK || verdict == DV_LIVELOCK)
			describe_fibers(det.out->msg, sizeof(det.out->msg));
	}
	if (det.cur)
		end_run(false);
}

/* ---- what the machine model allows ---- */

static struct det_fiber *fiber_of(struct task_struct *t)
{
	return t ? t->det_fiber : NULL;
}

static bool at_point(const struct det_fiber *f)
{
	return f->state == FS_READY || f->state == FS_RELAX ||
	       f->state == FS_SPIN || f->state == FS_RUNNING;
}

/* The task on @cpu may be preempted or migrated where it stands. */
static bool preemptible_at(const struct task_struct *o)
{
	const struct det_fiber *of = fiber_of((struct task_struct *)o);

	return of && (of->state == FS_READY || of->state == FS_RELAX ||
		      of->state == FS_RUNNING) &&
	       !o->preempt_count && !o->irqs_off && !(o->flags & PF_IDLE);
}

static bool vcpu_available(int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	if (det.irq_on[cpu])
		return false;
	return !v->token || (v->curr && preemptible_at(v->curr));
}

static bool irq_injectable(int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	if (!v->online || det.irq_on[cpu])
		return false;
	if (!v->token)
		return true;
	return v->curr && !v->curr->irqs_off && fiber_of(v->curr) &&
	       at_point(fiber_of(v->curr));
}

/* A fiber that holds what it needs and may take its next step. */
static bool fiber_enabled(const struct det_fiber *f)
{
	if (f->kind != FK_IRQ && f->cur->vcpu && det.irq_on[f->cur->cpu])
		return false;	/* interrupted */
	switch (f->state) {
	case FS_READY:
	case FS_RUNNING:
		return true;
	case FS_SPIN:
		return !__atomic_load_n(f->spin_word, __ATOMIC_RELAXED);
	case FS_RELAX:
		for (int i = 0; i < det.nr_fibers; i++)
			if (&det.fibers[i] != f &&
			    det.fibers[i].last_step > f->relax_since)
				return true;
		return false;
	}
	return false;
}

static void add_dec(int kind, int fiber, int cpu, int event)
{
	struct det_dec *d = &det.decs[det.nr_decs++];

	d->kind = kind;
	d->fiber = fiber;
	d->cpu = cpu;
	d->event = event;
}

/* Where @f may run next: a DK_RUN, or a DK_WAKE of @event that wakes it first. */
static void add_vcpu_options(const struct det_fiber *f, int kind, int event)
{
	unsigned int cpu;
	bool home_ok;

	if (f->want_cpu >= 0) {
		if (vcpu_available(f->want_cpu))
			add_dec(kind, f->id, f->want_cpu, event);
		return;
	}
	if (shim_task_pinned(f->cur) && shim_vcpus[f->home].online) {
		/* bound, or migration disabled: its CPU or none */
		if (vcpu_available(f->home))
			add_dec(kind, f->id, f->home, event);
		return;
	}
	home_ok = shim_vcpus[f->home].online;
	if (home_ok && vcpu_available(f->home))
		add_dec(kind, f->id, f->home, event);
	if (home_ok && det.out->migrations >= det.s->migrations)
		return;
	for_each_online_cpu(cpu)
		if ((int)cpu != f->home && vcpu_available(cpu))
			add_dec(kind, f->id, cpu, event);
}

static void add_fiber_options(const struct det_fiber *f)
{
	if (f->state == FS_SLEEP && READ_ONCE(f->cur->state) != TASK_RUNNING) {
		if (f->cur->timer_ns)
			add_vcpu_options(f, DK_WAKE, WAKE_TIMEOUT);
		if (det.nr_spurious < det.spurious)
			add_vcpu_options(f, DK_WAKE, WAKE_SPURIOUS);
		return;
	}
	if (f->state == FS_NEED_VCPU || f->state == FS_SLEEP)
		add_vcpu_options(f, DK_RUN, -1);
	else if (f->state != FS_SLEEP && f->state != FS_DONE &&
		 f->state != FS_DORMANT && fiber_enabled(f))
		add_dec(DK_RUN, f->id, -1, -1);
}

/* Decision 0 is the running fiber carrying on, when it can. */
static bool list_decisions(void)
{
	struct det_fiber *cur = det.cur;
	bool cur_enabled = false;

	det.nr_decs = 0;
	if (cur && cur->state != FS_DONE) {
		add_fiber_options(cur);
		cur_enabled = det.nr_decs && det.decs[0].cpu < 0;
	}
	for (int i = 0; i < det.nr_fibers; i++)
		if (&det.fibers[i] != cur)
			add_fiber_options(&det.fibers[i]);
	for (int e = 0; e < det.nr_irqs; e++)
		if (det.irqs[e].count && irq_injectable(det.irqs[e].cpu))
			add_dec(DK_IRQ, -1, det.irqs[e].cpu, e);
	if (!det.hp_active && det.next_hp < det.nr_hp) {
		add_dec(DK_HOTPLUG, 0, det.hp_cpu[det.next_hp], det.next_hp);
		/* the same operation, refused by a callback: its unwinding */
		if (det.hp_may_fail[det.next_hp])
			add_dec(DK_HOTPLUG, 1, det.hp_cpu[det.next_hp], det.next_hp);
	}
	return cur_enabled;
}

/* ---- strategies ---- */


/*
 * Random and PCT place the rare decisions by time, not by how many options
 * they make: each interrupt delivery, hotplug event and migration is due at
 * a step drawn uniformly over the rest of the run's expected length.  Until
 * then it is not taken (unless nothing else can run); from then on it is
 * taken at its first chance.  Without this a migration is spent on a task's
 * first placement, a hotplug event lands in the first steps, an interrupt's
 * deliveries come back to back, and PCT never migrates at all.
 */
static bool timed(void)
{
	return det.s->kind == DET_RANDOM || det.s->kind == DET_PCT;
}

static long due_after(long now)
{
	long length = max(det.s->run_length, now + 1);

	return now + 1 + det_rand() % (length - now);
}

static void timed_setup(void)
{
	for (int e = 0; e < det.nr_irqs; e++)
		det.irq_at[e] = due_after(0);
	det.hp_at = due_after(0);
	for (int i = 0; i < DET_MAX_FIBERS; i++) {
		det.mig_at[i] = due_after(0);
		det.start_at[i] = det_rand() % max(det.s->run_length / 2, 1L);
	}
}

/* A grant of @cpu to @f that counts against the migration budget. */
static bool is_migration(const struct det_fiber *f, int cpu)
{
	return cpu >= 0 && f->want_cpu < 0 && f->home != cpu &&
	       shim_vcpus[f->home].online;
}

/* May @f, wanting a vCPU, be given one other than its home? */
static bool may_migrate(const struct det_fiber *f)
{
	return f->want_cpu < 0 && shim_vcpus[f->home].online &&
	       !shim_task_pinned(f->cur) &&
	       det.out->migrations < det.s->migrations;
}

/*
 * The step before which @d is held back, or 0.  A task starts at a step of
 * its own in the first half of the run, and a woken sleeper runs again at
 * one over the rest of it: uniform choices (or fixed priorities) among the
 * tasks would almost never hold one back while another gets far ahead.
 * From then on it is an ordinary decision.  (Starts over the whole run left
 * tasks running alone: a third of the schedules.)
 */
static long held_until(const struct det_dec *d)
{
	const struct det_fiber *f;
	long at = 0;

	if (d->kind != DK_RUN)
		return 0;
	f = &det.fibers[d->fiber];
	if (f->kind == FK_TASK && !f->last_step)
		return max(det.start_at[d->fiber], 1L);
	if (f->state == FS_SLEEP)
		at = det.resume_at[d->fiber];
	/* its migration is due: it waits for a vCPU to move to */
	if (d->cpu >= 0 && !is_migration(f, d->cpu) && may_migrate(f) &&
	    det.mig_at[d->fiber] <= det.out->steps)
		at = LONG_MAX - 1;
	return at;
}

/*
 * The step from which @d is taken at its first chance, or 0 for an ordinary
 * decision: interrupt deliveries, hotplug events and migrations.  A task's
 * first run is never a migration.
 */
static long due_at(const struct det_dec *d)
{
	const struct det_fiber *f;

	switch (d->kind) {
	case DK_IRQ:
		return det.irq_at[d->event];
	case DK_HOTPLUG:
		return det.hp_at;
	}
	f = &det.fibers[d->fiber];
	if (!is_migration(f, d->cpu))
		return 0;
	return f->kind == FK_TASK && !f->last_step ? LONG_MAX : det.mig_at[d->fiber];
}

/* After a timed decision is taken: when the next of its kind is due. */
static void timed_taken(const struct det_dec *d)
{
	long now = det.out->steps;

	if (d->kind == DK_IRQ)
		det.irq_at[d->event] = due_after(now);
	else if (d->kind == DK_HOTPLUG)
		det.hp_at = due_after(now);
	else if (is_migration(&det.fibers[d->fiber], d->cpu))
		det.mig_at[d->fiber] = due_after(now);
}

/* Of two due decisions: an event first, then a due migration over a stay. */
static bool prefer_due(const struct det_dec *d, const struct det_dec *than)
{
	if (than->kind == DK_IRQ || than->kind == DK_HOTPLUG)
		return false;
	if (d->kind == DK_IRQ || d->kind == DK_HOTPLUG)
		return true;
	return d->fiber == than->fiber &&
	       is_migration(&det.fibers[d->fiber], d->cpu) &&
	       !is_migration(&det.fibers[than->fiber], than->cpu);
}

/* Among the ordinary decisions @cand: a fiber uniformly, then one of its. */
static int random_fiber_pick(const int *cand, int n)
{
	int fibers[DET_MAX_DECS], nr_fibers = 0, mine[DET_MAX_DECS], m = 0;
	int fiber;

	for (int i = 0; i < n; i++) {
		int j = 0;

		while (j < nr_fibers && fibers[j] != det.decs[cand[i]].fiber)
			j++;
		if (j == nr_fibers)
			fibers[nr_fibers++] = det.decs[cand[i]].fiber;
	}
	fiber = fibers[det_rand() % nr_fibers];
	for (int i = 0; i < n; i++)
		if (det.decs[cand[i]].fiber == fiber)
			mine[m++] = cand[i];
	return mine[det_rand() % m];
}

/*
 * A due decision first (a refused hotplug as often as an accepted one);
 * else among the ordinary ones, random: a fiber uniformly, then one of its
 * options; PCT: the fiber of highest priority, its first option; else the
 * decision due soonest.
 */
static int timed_pick(bool pct)
{
	long now = det.out->steps, soonest = LONG_MAX;
	int ordinary[DET_MAX_DECS], n = 0, pick = -1, first = 0;

	for (int i = 0; i < det.nr_decs; i++) {
		const struct det_dec *d = &det.decs[i];
		long due = due_at(d), at = max(held_until(d), due);

		if (at > now) {
			if (at < soonest)
				soonest = at, first = i;
		} else if (!due) {
			ordinary[n++] = i;
		} else if (pick < 0 || prefer_due(d, &det.decs[pick])) {
			pick = i;
		}
	}
	if (pick >= 0) {
		const struct det_dec *d = &det.decs[pick];

		if (d->kind == DK_HOTPLUG && pick + 1 < det.nr_decs &&
		    det.decs[pick + 1].kind == DK_HOTPLUG && det_rand() % 2)
			pick++;	/* the same event, refused */
		return pick;
	}
	if (!n)
		return first;
	if (pct) {	/* ordinary decisions are a fiber's: its priority */
		pick = ordinary[0];
		for (int i = 1; i < n; i++)
			if (det.fibers[det.decs[ordinary[i]].fiber].prio >
			    det.fibers[det.decs[pick].fiber].prio)
				pick = ordinary[i];
		return pick;
	}
	return random_fiber_pick(ordinary, n);
}

static bool script_match(const struct det_script_step *st,
			 const struct det_dec *d)
{
	switch (st->kind) {
	case DS_IRQ:
		return d->kind == DK_IRQ && d->event == st->target;
	case DS_HOTPLUG:	/* target: refused */
		return d->kind == DK_HOTPLUG && d->fiber == st->target;
	}
	/* a sleeper with a timer runs again when it fires; never spuriously */
	if (d->kind == DK_WAKE && d->event != WAKE_TIMEOUT)
		return false;
	if (d->kind != DK_RUN && d->kind != DK_WAKE)
		return false;
	if (st->target >= 0)
		return d->fiber == st->target && (st->cpu < 0 || d->cpu < 0 ||
						  d->cpu == st->cpu);
	if (st->target == DET_TARGET_HOTPLUG)
		return det.fibers[d->fiber].kind == FK_HOTPLUG;
	return det.fibers[d->fiber].kind == FK_IRQ &&
	       det.fibers[d->fiber].event == DET_TARGET_IRQ(0) - st->target;
}

static const struct det_script_step *script_step(void)
{
	if (det.s->kind != DET_SCRIPT || det.script_pos >= det.s->nr_script)
		return NULL;
	return &det.s->script[det.script_pos];
}

static void script_next(void)
{
	det.script_pos++;
	det.script_count = 0;
	det.out->script_done = det.script_pos;
}

static struct det_fiber *script_fiber(const struct det_script_step *st)
{
	/* a handler or hotplug target: the latest one, finished or not */
	for (int i = det.nr_fibers - 1; i >= 0; i--) {
		struct det_fiber *f = &det.fibers[i];

		if (st->target >= 0 ? f->id == st->target :
		    st->target == DET_TARGET_HOTPLUG ? f->kind == FK_HOTPLUG :
		    f->kind == FK_IRQ && f->event == DET_TARGET_IRQ(0) - st->target)
			return f;
	}
	return NULL;
}

/* A run step's end conditions that are not about a point. */
static void script_settle(void)
{
	const struct det_script_step *st;

	while ((st = script_step()) && st->kind == DS_RUN) {
		struct det_fiber *f = script_fiber(st);
		bool can_run = false;

		/* a sleeper waiting for its timer is blocked until it fires */
		for (int i = 0; i < det.nr_decs; i++)
			can_run |= det.decs[i].kind != DK_WAKE &&
				   script_match(st, &det.decs[i]);
		if (st->until == DU_DONE && f && f->state == FS_DONE)
			script_next();
		else if (st->until == DU_BLOCKED && !can_run)
			script_next();
		else
			return;
	}
}

static int script_pick(void)
{
	const struct det_script_step *st;
	struct det_fiber *f;

	script_settle();
	st = script_step();
	if (!st)
		return 0;
	for (int i = 0; i < det.nr_decs; i++)
		if (script_match(st, &det.decs[i])) {
			if (st->kind != DS_RUN)
				script_next();
			return i;
		}
	/* a task under an interrupt: the handler runs first */
	f = st->kind == DS_RUN ? script_fiber(st) : NULL;
	if (f && f->kind == FK_TASK && f->cur->vcpu && det.irq_on[f->cur->cpu])
		for (int i = 0; i < det.nr_decs; i++)
			if (det.decs[i].kind == DK_RUN &&
			    &det.fibers[det.decs[i].fiber] == det.irq_on[f->cur->cpu])
				return i;
	det_fail(DV_SCRIPT, "script step %d: %s cannot %s now (%s)",
		 det.script_pos + 1,
		 f ? f->task->comm : st->kind == DS_IRQ ? "the interrupt" :
		 st->kind == DS_HOTPLUG ? "the hotplug event" : "that fiber",
		 st->kind == DS_RUN ? "run" : "start",
		 f ? state_names[f->state] : "not enabled");
	return 0;
}

/* ---- the reducing search's view of a run (det_por.c) ---- */

/* The same delivery of the same irq event, or hotplug event, in every run. */
static uint64_t irq_ident(int event)
{
	return (uint64_t)FK_IRQ << 40 | (uint64_t)event << 16 | det.irqs[event].count;
}

static uint64_t hotplug_ident(int event)
{
	return (uint64_t)FK_HOTPLUG << 40 | (uint64_t)event << 8;
}

/*
 * A step that changes what the machine may do next, or runs where no
 * footprint reaches: it is ordered with every other step.
 */
static bool step_writes_machine(const struct det_fiber *f,
				const struct det_dec *d, bool preempts)
{
	/* a cpu_relax() loop's next step stands at its SP_RELAX point too */
	return d->kind != DK_RUN || preempts ||
	       f->kind != FK_TASK || f == det.rescue || f->opaque ||
	       f->pt_kind == SP_WAKE || f->pt_kind == SP_SCHEDULE ||
	       f->pt_kind == SP_WAIT || f->pt_kind == SP_RELAX;
}

/*
 * @f runs after decision @d; @preempts: the decision took a vCPU from a
 * task.  Given a free vCPU, a task's step writes only that vCPU's state, as
 * does leaving it at the end.
 */
static void begin_step(struct det_fiber *f, const struct det_dec *d,
		       bool preempts)
{
	if (!det.s->reduce)
		return;
	por_step_begin(f->ident, det.last_choice,
		       step_writes_machine(f, d, preempts));
	if (d->cpu >= 0)
		shim_det_note(&shim_vcpus[d->cpu], sizeof(long), true);
	/* what the point stood before: its operation is this step's */
	if (f->pt_obj)
		shim_det_note(f->pt_obj, sizeof(long), f->pt_kind != SP_READ);
}

static void end_step(struct det_fiber *f, bool exiting)
{
	bool global = det.hook_point == SP_RELAX ||
		      (det.hook_point < 0 && !exiting);

	if (det.s->reduce) {
		if (exiting && f->kind == FK_TASK)
			shim_det_note(&shim_vcpus[f->task->cpu], sizeof(long), true);
		por_step_end(global);
	}
	det.hook_point = -1;
}

/* Whose step each option of choice @n would start. */
static void note_choice(long n)
{
	uint64_t procs[DET_MAX_DECS];

	for (int k = 0; k < det.nr_decs; k++) {
		const struct det_dec *d = &det.decs[k];

		switch (d->kind) {
		case DK_IRQ:
			procs[k] = irq_ident(d->event);
			break;
		case DK_HOTPLUG:
			procs[k] = hotplug_ident(d->event);
			break;
		default:
			procs[k] = det.fibers[d->fiber].ident;
		}
	}
	por_choice(n, procs, det.nr_decs);
	det.last_choice = n;
}

/**
 * det_opaque() - the running fiber enters or leaves code without footprints
 * @on: entering
 *
 * Code the instrumented copy does not cover (a driver built once, calling
 * the allocator's plain copy): its steps are ordered with every other step.
 */
void det_opaque(bool on)
{
	if (!det.cur)
		return;
	det.cur->opaque = on;
	if (on)
		shim_det_note_machine();
}

static int choose(bool cur_enabled)
{
	const struct det_strategy *s = det.s;
	long n = det.out->nr_choices;
	int idx = 0;

	if (s->kind == DET_SCRIPT && script_step())
		idx = script_pick();
	det.last_choice = -1;
	if (det.nr_decs <= 1)
		return 0;
	switch (s->kind) {
	case DET_REPLAY:
		if (n < s->nr_decisions)
			idx = s->decisions[n] % det.nr_decs;
		break;
	case DET_RANDOM:
	case DET_PCT:
		idx = timed_pick(s->kind == DET_PCT);
		timed_taken(&det.decs[idx]);
		break;
	}
	if (s->reduce)
		note_choice(n);
	if (n < DET_MAX_CHOICES) {
		det_chosen[n] = idx;
		det_options[n] = det.nr_decs;
		det_cur_enabled[n] = cur_enabled;
	}
	det.out->nr_choices++;
	if (idx && cur_enabled)
		det.out->preemptions++;
	return idx;
}

/* ---- carrying a decision out ---- */

static void fiber_body(void *arg);

static struct det_fiber *new_fiber(int kind, struct task_struct *t, int prio)
{
	struct det_fiber *f = NULL;

	/* a finished handler's slot, unless we are still on its stack */
	for (int i = det.nr_tasks; i < det.nr_fibers && !f; i++)
		if (det.fibers[i].state == FS_DONE && &det.fibers[i] != det.cur)
			f = &det.fibers[i];
	if (!f && det.nr_fibers == DET_MAX_FIBERS)
		det_fail(DV_SETUP, "more than %d fibers", DET_MAX_FIBERS);
	if (!f) {
		f = &det.fibers[det.nr_fibers];
		f->id = det.nr_fibers++;
	}
	f->kind = kind;
	f->task = t;
	f->cur = t;
	f->prio = prio;
	f->last_step = 0;
	f->pt_kind = -1;
	f->pt_obj = NULL;
	f->opaque = false;
	t->det_fiber = f;
	if (shim_fiber_make(&f->ctx, DET_STACK_SIZE, fiber_body, f))
		det_fail(DV_SETUP, "no memory for a fiber stack");
	return f;
}

static void preempt(int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];
	struct task_struct *o = v->curr;
	struct det_fiber *of = fiber_of(o);

	v->curr = NULL;
	o->vcpu = NULL;
	v->token = 0;
	of->state = FS_NEED_VCPU;
	of->want_cpu = -1;
	of->enter = true;
	of->home = cpu;
	trace_add(of, DE_PREEMPT, o, cpu, 0);
}

static void grant(struct det_fiber *f, int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	if (v->token)
		preempt(cpu);
	v->token = 1;
	v->curr = f->cur;
	f->cur->det_fiber = f;
	if (f->enter) {
		if (f->want_cpu < 0 && f->home != cpu && shim_vcpus[f->home].online)
			det.out->migrations++;
		f->cur->vcpu = v;
		f->cur->cpu = cpu;
	}
	trace_add(f, DE_RUN_ON, f->cur, cpu, 0);
}

/*
 * A sleeper's timer fires (the clock moves to its expiry) or it wakes for no
 * reason, as the kernel allows: either way it finds itself TASK_RUNNING.
 */
static void wake_sleeper(struct det_fiber *f, int why)
{
	struct task_struct *t = f->cur;

	if (why == WAKE_TIMEOUT) {
		if (t->timer_ns > det.clock_ns)
			det.clock_ns = t->timer_ns;
		t->timer_ns = 0;
	} else {
		det.nr_spurious++;
	}
	t->state = TASK_RUNNING;
	t->wake_futex++;
	trace_add(f, DE_WAKE, t, why, 0);
}

static struct det_fiber *apply(const struct det_dec *d)
{
	struct det_fiber *f;

	switch (d->kind) {
	case DK_IRQ: {
		struct det_irq_event *e = &det.irqs[d->event];
		struct vcpu *v = &shim_vcpus[e->cpu];

		f = new_fiber(FK_IRQ, &v->idle, e->prio);
		f->cpu = e->cpu;
		f->event = d->event;
		f->fn = e->fn;
		f->arg = e->arg;
		f->ident = irq_ident(d->event);
		e->count--;
		det.irq_on[e->cpu] = f;
		v->idle.cpu = e->cpu;
		v->idle.vcpu = v;
		v->idle.preempt_count = HARDIRQ_OFFSET;
		v->idle.irqs_off = 1;
		det.out->irqs++;
		trace_add(f, DE_IRQ, v, e->cpu, 0);
		break;
	}
	case DK_HOTPLUG:
		f = new_fiber(FK_HOTPLUG, &hotplug_task, det.hp_prio);
		f->cpu = det.hp_cpu[d->event];
		f->up = det.hp_up[d->event];
		f->refused = d->fiber;
		f->ident = hotplug_ident(d->event);
		det.next_hp++;
		det.hp_active = true;
		break;
	case DK_WAKE:
		f = &det.fibers[d->fiber];
		wake_sleeper(f, d->event);
		grant(f, d->cpu);
		break;
	default:
		f = &det.fibers[d->fiber];
		if (d->cpu >= 0)
			grant(f, d->cpu);
		break;
	}
	f->state = FS_RUNNING;
	return f;
}

/* Carry decision @d out; its fiber's next step begins. */
static struct det_fiber *start(const struct det_dec *d)
{
	bool preempts = d->cpu >= 0 && shim_vcpus[d->cpu].token;
	struct det_fiber *f = apply(d);

	begin_step(f, d, preempts);
	return f;
}

/* @next is the running fiber from now on. */
static void switch_to(struct det_fiber *next)
{
	det.cur = next;
	shim_current = next->cur;
	shim_det_stack[0] = (uintptr_t)next->ctx.stack;
	shim_det_stack[1] = shim_det_stack[0] + next->ctx.stack_size;
}

/* Pick and carry out the next decision; come back when @f runs again. */
static void schedule_next(struct det_fiber *f, bool exiting)
{
	struct det_fiber *next;
	bool cur_enabled;
	int idx;

	f->cur = shim_current;
	end_step(f, exiting);
	cur_enabled = list_decisions();
	if (!det.nr_decs) {
		bool all_done = true;

		for (int i = 0; i < det.nr_fibers; i++)
			all_done &= det.fibers[i].state >= FS_DONE;
		if (!all_done && det.rescue && det.rescue->state == FS_DORMANT &&
		    det.rescue_wanted()) {
			/* a stall the scenario made: its rescue may end it */
			det.rescue->state = FS_NEED_VCPU;
			det.rescue->want_cpu = -1;
			det.rescue->enter = true;
			cur_enabled = list_decisions();
		}
	}
	if (!det.nr_decs) {
		bool all_done = true;

		for (int i = 0; i < det.nr_fibers; i++)
			all_done &= det.fibers[i].state >= FS_DONE;
		if (!all_done)
			det_fail(DV_DEADLOCK, "deadlock: no fiber can run");
		end_run(exiting);
	}
	idx = choose(cur_enabled);
	next = start(&det.decs[idx]);
	if (next == f)
		return;
	switch_to(next);
	shim_fiber_switch(&f->ctx, &next->ctx, exiting);
}

static void pct_step(struct det_fiber *f)
{
	for (int i = 0; i < det.nr_pct_change; i++)
		if (det.pct_change[i] == det.out->steps)
			f->prio = -1 - i;
}

static void script_point(struct det_fiber *f, enum shim_point point,
			 unsigned long pc)
{
	const struct det_script_step *st = script_step();
	bool match;

	if (!st || st->kind != DS_RUN || script_fiber(st) != f)
		return;
	if (st->until == DU_STEPS) {
		if (++det.script_count >= st->nth)
			script_next();
		return;
	}
	if (st->until != DU_POINT)
		return;
	match = st->point < 0 || st->point == (int)point;
	if (match && st->nr_ranges) {
		unsigned long off = pc - image_base();

		match = false;
		for (int i = 0; i < st->nr_ranges; i++)
			match |= off >= st->ranges[2 * i] &&
				 off < st->ranges[2 * i + 1];
	}
	if (match && ++det.script_count >= st->nth)
		script_next();
}

static void step(struct det_fiber *f, enum shim_point point,
		 const volatile void *obj, unsigned long pc)
{
	long value = 0;

	det.out->steps++;
	f->last_step = det.out->steps;
	/* a plain access may be one byte at the end of a page */
	if (obj && point != SP_SCHEDULE && point != SP_WAKE &&
	    ((point != SP_READ && point != SP_WRITE) || !((unsigned long)obj & 3)))
		value = *(const volatile int *)obj;
	trace_add(f, point, obj, value, pc);
	if (det.out->steps > det.s->max_steps)
		det_fail(DV_LIVELOCK, "livelock: still running after %ld steps",
			 det.s->max_steps);
	if (det.nr_pct_change)
		pct_step(f);
	if (det.s->kind == DET_SCRIPT)
		script_point(f, point, pc);
}

/* Out-of-line header helpers and memtrace.c: a point is where they were called. */
static unsigned long *helpers;
static int nr_helpers;

/* Binary search: the ranges come sorted and disjoint. */
static bool in_helper(unsigned long pc)
{
	unsigned long off = pc - det.base;
	int lo = 0, hi = nr_helpers;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (off < helpers[2 * mid])
			hi = mid;
		else if (off >= helpers[2 * mid + 1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/**
 * hk_det_helpers() - the pc ranges that are not a point's place
 * @ranges: [lo, hi) pairs, offsets in the image, sorted and disjoint
 * @n: how many pairs
 *
 * Out-of-line copies of header inline functions, and memtrace.c: a point
 * inside one is attributed to the code that called it.
 *
 * Return: 0 or -ENOMEM.
 */
SHIM_EXPORT int hk_det_helpers(const unsigned long *ranges, int n)
{
	unsigned long *copy = malloc(sizeof(*copy) * 2 * max(n, 1));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, ranges, sizeof(*copy) * 2 * n);
	image_base();
	free(helpers);
	helpers = copy;
	nr_helpers = n;
	return 0;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-address"
/*
 * The hook's caller, or up the frame-pointer chain past helpers, never
 * leaving the fiber's stack.
 */
static noinline unsigned long point_pc(struct det_fiber *f)
{
	unsigned long *fp = __builtin_frame_address(1);	/* det_hook's frame */
	unsigned long lo = (unsigned long)f->ctx.stack;
	unsigned long hi = lo + f->ctx.stack_size;
	unsigned long pc = fp[1];

	for (int depth = 0; depth < 6 && in_helper(pc); depth++) {
		unsigned long *up = (unsigned long *)fp[0];

		if ((unsigned long)up <= (unsigned long)fp ||
		    (unsigned long)up < lo || (unsigned long)up + 16 > hi)
			break;
		fp = up;
		pc = fp[1];
	}
	return pc;
}
#pragma GCC diagnostic pop

static noinline void det_hook(enum shim_point point,
			     const volatile void *obj)
{
	struct det_fiber *f = det.cur;
	unsigned long pc;

	if (!f)
		return;
	pc = point_pc(f);
	step(f, point, obj, pc);
	if (point == SP_RELAX && obj) {
		f->state = FS_SPIN;
		f->spin_word = obj;
	} else if (point == SP_RELAX) {
		f->state = FS_RELAX;
		f->relax_since = det.out->steps;
	} else {
		f->state = FS_READY;
	}
	f->pt_kind = point;
	f->pt_obj = obj;
	det.hook_point = point;
	schedule_next(f, false);
}

/* ---- the runtime's blocking calls, while the engine runs ---- */

/* Stop the running fiber until the engine gives it a vCPU (@state waits first). */
static void wait_for_vcpu(int state, int want_cpu, int home)
{
	struct det_fiber *f = det.cur;

	f->state = state;
	f->pt_kind = -1;
	f->pt_obj = NULL;
	f->want_cpu = want_cpu;
	f->enter = want_cpu < 0;	/* an exact vCPU is taken by the caller */
	f->home = home;
	schedule_next(f, false);
}

int shim_det_vcpu_lock(struct vcpu *v)
{
	wait_for_vcpu(FS_NEED_VCPU, v->id, v->id);
	return 0;
}

void shim_det_vcpu_unlock(struct vcpu *v)
{
	v->token = 0;
}

void shim_det_resume(struct task_struct *t)
{
	wait_for_vcpu(FS_NEED_VCPU, -1, t->cpu);
}

void shim_det_sleep(struct task_struct *t)
{
	if (timed())
		det.resume_at[det.cur->id] = due_after(det.out->steps);
	wait_for_vcpu(FS_SLEEP, -1, t->cpu);
}

/**
 * det_rescue_wait() - the rescue's body, between two rescues
 *
 * Gives up the vCPU and sleeps until the next stall that wants it: the rescue
 * never ends, so it can come as often as a run stalls.
 */
void det_rescue_wait(void)
{
	struct task_struct *t = det.cur->cur;

	if (t->vcpu)
		shim_task_leave(t);
	wait_for_vcpu(FS_DORMANT, -1, t->cpu);
}

/* ---- fibers ---- */

static void irq_exit_fiber(struct det_fiber *f)
{
	struct task_struct *idle = f->task;

	idle->preempt_count -= HARDIRQ_OFFSET;
	idle->irqs_off = 0;
	shim_check_return_to_user(idle);
	idle->vcpu = NULL;
	det.irq_on[f->cpu] = NULL;
}

/*
 * Where the last fault was, for a verdict (after the handler, never in it):
 * an offset in the image, which Python names (for a fault in a library
 * routine the allocator called, memcpy say, its caller's), or the library.
 */
static bool in_image(unsigned long ip)
{
	Dl_info info;

	return ip && dladdr((void *)ip, &info) &&
	       (unsigned long)info.dli_fbase == image_base();
}

static const char *fault_where(void)
{
	static char where[160];
	unsigned long ip = det.crash_ip;
	Dl_info info;

	/* in a library routine called from the image: its caller */
	if (!in_image(ip) && in_image(det.crash_ret))
		ip = det.crash_ret;
	/* in a helper (memtrace.c's access hooks, say): its caller */
	else if (in_image(ip) && in_helper(ip) && in_image(det.crash_caller))
		ip = det.crash_caller;
	if (!ip || !dladdr((void *)ip, &info))
		return "ip unknown";
	if ((unsigned long)info.dli_fbase == image_base())
		snprintf(where, sizeof(where), "ip +%#lx", ip - image_base());
	else
		snprintf(where, sizeof(where), "ip %#lx in %s", ip,
			 info.dli_fname ? info.dli_fname : "?");
	return where;
}

static void fiber_body(void *arg)
{
	struct det_fiber *f = arg;
	jmp_buf jb;

	shim_fiber_started(NULL);
	f->task->bug_jmp = &jb;
	if (setjmp(jb)) {
		if (det.crash_sig)
			det_fail(DV_CRASH, "crash: %s at address %p in %s/%d, "
				 "%s", strsignal(det.crash_sig),
				 det.crash_addr, shim_current->comm,
				 shim_current->pid, fault_where());
		det_fail(DV_BUG, "BUG in %s", f->task->comm);
		__builtin_unreachable();
	}
	switch (f->kind) {
	case FK_TASK:
		f->fn(f->arg);
		if (f->task->vcpu)
			shim_task_leave(f->task);
		break;
	case FK_IRQ:
		f->fn(f->arg);
		irq_exit_fiber(f);
		break;
	case FK_HOTPLUG:
		trace_add(f, DE_HOTPLUG, (void *)(long)f->up, f->cpu, f->refused);
		shim_hotplug_refuse_next(f->refused);
		f->up ? shim_do_cpu_up(f->cpu) : shim_do_cpu_down(f->cpu);
		shim_hotplug_refuse_next(false);
		det.hp_active = false;
		break;
	}
	f->task->bug_jmp = NULL;
	f->state = FS_DONE;
	trace_add(f, DE_DONE, NULL, 0, 0);
	schedule_next(f, true);
	__builtin_unreachable();
}

/* ---- set-up, from the harness ---- */

/* The fibers' stacks go with the kernel (hk_shutdown). */
void det_release(void)
{
	for (int i = 0; i < DET_MAX_FIBERS; i++)
		shim_fiber_free(&det.fibers[i].ctx);
	free(helpers);
	helpers = NULL;
	nr_helpers = 0;
}

void det_reset(void)
{
	for (int i = 0; i < det.nr_fibers; i++)
		det.fibers[i].task->det_fiber = NULL;
	det.nr_fibers = det.nr_tasks = det.nr_irqs = det.nr_hp = 0;
	det.rescue = NULL;
	det.next_hp = 0;
	det.hp_active = false;
	memset(det.irq_on, 0, sizeof(det.irq_on));
	if (!hotplug_task.comm[0])
		shim_task_init(&hotplug_task, "hotplug", PF_HARNESS);
}

/**
 * det_add_task() - a task fiber for the next run
 * @t: the task it runs as
 * @cpu: the vCPU it starts on
 * @fn: its body, run holding the vCPU
 * @arg: the body's argument
 *
 * Return: the fiber's index (tasks come first, in order), or -ENOSPC.
 */
int det_add_task(struct task_struct *t, int cpu, void (*fn)(void *), void *arg)
{
	struct det_fiber *f;

	if (det.nr_fibers == DET_MAX_FIBERS)
		return -ENOSPC;
	f = &det.fibers[det.nr_fibers];
	f->id = det.nr_fibers++;
	f->kind = FK_TASK;
	f->task = f->cur = t;
	f->fn = fn;
	f->arg = arg;
	f->home = cpu;
	det.nr_tasks++;
	return f->id;
}

/**
 * det_add_rescue() - a task fiber that sleeps until the run stalls
 * @t: the task it runs as
 * @cpu: the vCPU it prefers
 * @fn: its body
 * @arg: the body's argument
 * @wanted: asked at a stall: may the rescue end it?  It may come again.
 *
 * Return: the fiber's index, or -ENOSPC.
 */
int det_add_rescue(struct task_struct *t, int cpu, void (*fn)(void *),
		   void *arg, bool (*wanted)(void))
{
	int id = det_add_task(t, cpu, fn, arg);

	if (id < 0)
		return id;
	det.rescue = &det.fibers[id];
	det.rescue_wanted = wanted;
	return id;
}

/* Whether fiber @id has finished. */
bool det_fiber_done(int id)
{
	return id >= 0 && id < det.nr_fibers && det.fibers[id].state == FS_DONE;
}

/* @count interrupts on @cpu, each running @fn(@arg) in hardirq context. */
int det_add_irq(int cpu, int count, void (*fn)(void *), void *arg)
{
	struct det_irq_event *e;

	if (det.nr_irqs == DET_MAX_EVENTS)
		return -ENOSPC;
	e = &det.irqs[det.nr_irqs];
	e->cpu = cpu;
	e->count = count;
	e->fn = fn;
	e->arg = arg;
	return det.nr_irqs++;
}

/*
 * A cpu_down (@up 0) or cpu_up of @cpu, in list order; with @may_fail, its
 * refusal by a callback is a decision too.
 */
int det_add_hotplug(int cpu, int up, int may_fail)
{
	if (det.nr_hp == DET_MAX_EVENTS)
		return -ENOSPC;
	det.hp_cpu[det.nr_hp] = cpu;
	det.hp_up[det.nr_hp] = up;
	det.hp_may_fail[det.nr_hp] = may_fail;
	return det.nr_hp++;
}

/* PCT: distinct random priorities, and depth-1 points where they drop. */
static void pct_setup(const struct det_strategy *s)
{
	int n = det.nr_fibers + det.nr_irqs + 1, perm[DET_MAX_FIBERS + DET_MAX_EVENTS + 1];

	for (int i = 0; i < n; i++)
		perm[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = det_rand() % (i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (int i = 0; i < det.nr_fibers; i++)
		det.fibers[i].prio = 100 + perm[i];
	for (int e = 0; e < det.nr_irqs; e++)
		det.irqs[e].prio = 100 + perm[det.nr_fibers + e];
	det.hp_prio = 100 + perm[n - 1];
	det.nr_pct_change = min(s->pct_depth > 0 ? s->pct_depth - 1 : 0, 16);
	for (int i = 0; i < det.nr_pct_change; i++)
		det.pct_change[i] = 1 + det_rand() % max(s->run_length, 1L);
}

/*
 * A fault in kernel code under the engine is synchronous, on the fiber that
 * made it: the run ends there with the signal as its verdict, and the kernel
 * is dead, but the process goes on.
 */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
static struct sigaction det_old_actions[ARRAY_SIZE(crash_signals)];
static bool det_checking;	/* the end-of-run checks: see det_checks() */

/*
 * The faulting instruction and the word on top of the stack (a frameless
 * library routine's return address), from the signal's context (x86-64
 * only); fault_where() makes sense of them after the handler.  The stack
 * is read only where it is known to be: a fiber's, or the thread's for the
 * checks.
 */
static void fault_context(void *uc)
{
#if defined(__x86_64__) && defined(REG_RIP)
	const greg_t *regs = ((ucontext_t *)uc)->uc_mcontext.gregs;
	unsigned long sp = regs[REG_RSP];
	unsigned long fp = regs[REG_RBP];

	det.crash_ip = regs[REG_RIP];
	det.crash_ret = det_checking ||
		sp - shim_det_stack[0] < shim_det_stack[1] - shim_det_stack[0] ?
		*(const unsigned long *)sp : 0;
	/* frames are kept (-fno-omit-frame-pointer): the caller's address */
	det.crash_caller = !det_checking &&
		fp - shim_det_stack[0] < shim_det_stack[1] - shim_det_stack[0] - 8 ?
		((const unsigned long *)fp)[1] : 0;
#else
	(void)uc;
	det.crash_ip = det.crash_ret = det.crash_caller = 0;
#endif
}

static void crash_handler(int sig, siginfo_t *info, void *uc)
{
	struct task_struct *t = shim_current;

	if ((!det.cur && !det_checking) || !t || !t->bug_jmp) {
		/* not recoverable here: whoever handled it before us says so */
		for (size_t i = 0; i < ARRAY_SIZE(crash_signals); i++)
			if (crash_signals[i] == sig)
				sigaction(sig, &det_old_actions[i], NULL);
		raise(sig);
		return;
	}
	det.crash_sig = sig;
	det.crash_addr = info->si_addr;
	fault_context(uc);
	shim_kernel_dead = 1;
	longjmp(*(jmp_buf *)t->bug_jmp, 1);
}

static void catch_crashes(struct sigaction *old, bool on)
{
	static char altstack[64 << 10];
	struct sigaction sa = {
		.sa_sigaction = crash_handler,
		.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER,
	};
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	if (on)
		sigaltstack(&ss, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(crash_signals); i++)
		sigaction(crash_signals[i], on ? &sa : &old[i], on ? &old[i] : NULL);
}

/**
 * det_run() - run the fibers added since det_reset() to the end
 * @s: the strategy
 * @out: the verdict and counts
 *
 * Every task starts wanting its vCPU; the strategy decides from there.  The
 * decisions taken are in det_chosen[] afterwards, the trace in det_trace[].
 */
void det_run(const struct det_strategy *s, struct det_outcome *out)
{
	struct task_struct *saved = shim_current;
	void (*saved_hook)(enum shim_point, const volatile void *) = shim_sched_hook;
	struct sigaction *old_actions = det_old_actions;

	memset(out, 0, sizeof(*out));
	det.s = s;
	det.out = out;
	det.rng = seed_state(s->seed);
	det.script_pos = 0;
	det.script_count = 0;
	det.clock_ns = 0;
	det.nr_spurious = 0;
	det.nr_pct_change = 0;
	det_nr_trace = 0;
	for (int i = 0; i < det.nr_fibers; i++) {
		struct det_fiber *f = &det.fibers[i];

		f->state = FS_NEED_VCPU;
		f->want_cpu = -1;
		f->enter = true;
		f->task->det_fiber = f;
		f->last_step = 0;
		f->ident = (uint64_t)FK_TASK << 40 | f->id;
		f->pt_kind = -1;
		f->pt_obj = NULL;
		f->opaque = false;
		if (shim_fiber_make(&f->ctx, DET_STACK_SIZE, fiber_body, f)) {
			out->verdict = DV_SETUP;
			snprintf(out->msg, sizeof(out->msg), "no memory for fibers");
			return;
		}
	}
	if (det.rescue)
		det.rescue->state = FS_DORMANT;
	for (int e = 0; e < det.nr_irqs; e++)
		det.irqs[e].prio = 0;
	det.hp_prio = 0;
	if (s->kind == DET_PCT)
		pct_setup(s);
	if (timed())
		timed_setup();
	shim_fiber_self(&det.main);
	det.crash_sig = 0;
	catch_crashes(old_actions, true);
	shim_det_memory = s->memory;
	shim_det_traced = s->memory || s->reduce;
	det.hook_point = -1;
	por_run_start(s->reduce);
	shim_det_active = 1;
	__atomic_store_n(&shim_sched_hook, det_hook, __ATOMIC_RELEASE);

	/* the thread's own context is no fiber: it waits for the run to end */
	det.cur = NULL;
	list_decisions();
	if (det.nr_decs) {
		struct det_fiber *next = start(&det.decs[choose(false)]);

		switch_to(next);
		shim_fiber_switch(&det.main, &next->ctx, false);
	} else {
		det_fail(DV_SETUP, "nothing to run");
	}
	if (s->kind == DET_SCRIPT && out->verdict == DV_PASS) {
		/* steps that waited for fibers to block or finish, now they have */
		det.nr_decs = 0;
		script_settle();
	}
	__atomic_store_n(&shim_sched_hook, saved_hook, __ATOMIC_RELEASE);
	shim_det_active = 0;
	shim_det_memory = 0;
	shim_det_traced = 0;
	catch_crashes(old_actions, false);
	det.cur = NULL;
	shim_current = saved;
}

/**
 * det_checks() - bracket the end-of-run checks
 * @on: true before them, false after
 *
 * The checks call the allocator after det_run(), outside any fiber; a fault
 * there (the allocator's state may be corrupt: that is what they look for)
 * ends the harness call it happened in, as a fault in a fiber ends the run.
 *
 * Return: when turned off, the signal of a fault in the checks, or 0.
 */
int det_checks(bool on)
{
	if (on)
		det.crash_sig = 0;
	det_checking = on;
	catch_crashes(det_old_actions, on);
	return det.crash_sig;
}

/* Where the last fault was: the address it touched, and where it ran. */
void *det_crash_address(const char **where)
{
	*where = fault_where();
	return det.crash_addr;
}

/* ---- the last resort: a fault nobody can recover from ---- */

static int fatal_fd = -1;

static void fatal_puts(const char *s)
{
	ssize_t r = write(fatal_fd, s, strlen(s));

	(void)r;
}

static void fatal_putl(long v)
{
	char buf[24], *p = buf + sizeof(buf) - 1;
	bool neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;

	*p = 0;
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	fatal_puts(p);
}

/* Async-signal-safe: what the dying process was doing, for the parent. */
static void fatal_report(int sig)
{
	void *frames[64];
	long n = det.out ? min(det.out->nr_choices, (long)DET_MAX_CHOICES) : 0;
	int depth;

	fatal_puts("\ndet-fatal: signal ");
	fatal_putl(sig);
	fatal_puts("\ndet-fatal: decisions ");
	for (long i = 0; i < n; i++) {
		if (i)
			fatal_puts(",");
		fatal_putl(det_chosen[i]);
	}
	fatal_puts("\ndet-fatal: backtrace\n");
	depth = backtrace(frames, ARRAY_SIZE(frames));
	backtrace_symbols_fd(frames, depth, fatal_fd);
	fatal_puts("det-fatal: end\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

/**
 * hk_det_fatal_reports() - report a fault that kills the process on @fd
 * @fd: where the report goes (the parent reads it)
 *
 * For a process that runs the deterministic engine as a child: a fault the
 * engine cannot turn into a verdict (outside a fiber, an abort, a corrupted
 * heap) or a SIGABRT sent by the parent at a hang writes the signal, the
 * decisions of the run in progress and a backtrace, then ends the process.
 */
SHIM_EXPORT void hk_det_fatal_reports(int fd)
{
	static char altstack[64 << 10];
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_handler = fatal_report,
				.sa_flags = SA_ONSTACK | SA_RESETHAND };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	void *warm[1];

	backtrace(warm, 1);	/* loads libgcc now, not in the handler */
	fatal_fd = fd;
	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}
