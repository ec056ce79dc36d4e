/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The deterministic engine, as the harness sees it: fibers for tasks, irq
 * handlers and hotplug events on one host thread, and a strategy that picks
 * the next decision at every scheduling point.  A run records its decisions;
 * the same list gives the same run.
 */
#ifndef _SHIM_DET_H
#define _SHIM_DET_H

#include "internal.h"

#define DET_MAX_FIBERS		32
#define DET_MAX_EVENTS		16
#define DET_MAX_CHOICES		(1 << 16)
#define DET_MAX_TRACE		(1 << 16)
/* the most options one choice can have */
#define DET_MAX_DECS		(DET_MAX_FIBERS * 8 + DET_MAX_EVENTS + 1)

enum det_strategy_kind {
	DET_REPLAY,		/* the decision list, then decision 0 */
	DET_RANDOM,		/* uniform over the enabled decisions */
	DET_PCT,		/* probabilistic concurrency testing */
	DET_SCRIPT,		/* the script's steps, then decision 0 */
};

enum det_verdict {
	DV_PASS,
	DV_BUG,			/* a kernel BUG: the report says which */
	DV_DEADLOCK,
	DV_LIVELOCK,
	DV_SCRIPT,		/* a script step could not be carried out */
	DV_CHECK,		/* a harness check: ownership, conservation, ... */
	DV_REPORT,		/* a WARN, lockdep or debug report */
	DV_SETUP,		/* the scenario could not be set up */
	DV_EXHAUSTED,		/* every tag held and every task waits: no bug */
	DV_CRASH,		/* a fault in kernel code: the signal */
};

/* Trace kinds past the scheduling points: what the engine and harness did. */
enum det_event {
	DE_PREEMPT = SP_NR_POINTS,	/* value: the vCPU */
	DE_RUN_ON,		/* a fiber given a vCPU: value */
	DE_IRQ,			/* a handler starts: value: the vCPU */
	DE_HOTPLUG,		/* value: cpu, obj: 1 up, 0 down */
	DE_DONE,		/* a fiber ends */
	DE_OP,			/* a scenario op: obj: op, value: result */
	DE_WAKE,		/* a sleeper woken by its timer (value 0) or for
				 * no reason (1), by the engine */
};

/* Script step targets besides a task index. */
#define DET_TARGET_HOTPLUG	(-1)
#define DET_TARGET_IRQ(e)	(-2 - (e))

enum det_script_kind { DS_RUN, DS_IRQ, DS_HOTPLUG };
enum det_until { DU_POINT, DU_BLOCKED, DU_DONE, DU_STEPS };

struct det_script_step {
	int kind;
	int target;		/* DS_RUN: task index or DET_TARGET_*; DS_IRQ: event;
				 * DS_HOTPLUG: 1 for its refusal */
	int cpu;		/* DS_RUN: vCPU to resume on, -1: its own */
	int until;
	int point;		/* DU_POINT: SP_*, -1: any */
	int nth;		/* DU_POINT: occurrence from 1; DU_STEPS: steps */
	int nr_ranges;		/* DU_POINT: pc ranges, 0: anywhere */
	const unsigned long *ranges;	/* [lo, hi) pairs, offsets in the image */
};

struct det_strategy {
	int kind;
	uint64_t seed;
	int pct_depth;
	long run_length;	/* random, PCT: a run's expected steps */
	const uint16_t *decisions;
	long nr_decisions;
	const struct det_script_step *script;
	int nr_script;
	long max_steps;
	int migrations;		/* per run: tasks moved to another vCPU */
	int trace;
	int memory;		/* plain loads and stores are points too */
	int reduce;		/* an exhaustive search's runs: record their
				 * steps and choices for det_por.c */
};

struct det_trace_ent {
	uint32_t step;
	int16_t cpu;
	int16_t fiber;
	int16_t point;
	int16_t who;		/* kind << 12 | task index or irq event */
	uint32_t value;
	uint64_t obj;
	uint64_t pc;		/* offset in the image */
};

struct det_outcome {
	int verdict;
	int script_done;	/* script steps carried out */
	long steps;
	long nr_choices;
	long preemptions;
	long migrations;
	long irqs;
	char msg[2048];
};

void det_reset(void);
void det_set_spurious(int most);
int det_add_task(struct task_struct *t, int cpu, void (*fn)(void *), void *arg);
int det_add_rescue(struct task_struct *t, int cpu, void (*fn)(void *),
		   void *arg, bool (*wanted)(void));
bool det_fiber_done(int id);
void det_rescue_wait(void);
int det_add_irq(int cpu, int count, void (*fn)(void *), void *arg);
int det_add_hotplug(int cpu, int up, int may_fail);
void det_run(const struct det_strategy *s, struct det_outcome *out);
void det_fail(int verdict, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void det_trace_event(int kind, unsigned long obj, long value);
int det_checks(bool on);
void *det_crash_address(const char **where);

/* det_por.c: bounded partial-order reduction for the exhaustive search */
void por_run_start(bool on);
void por_choice(long n, const uint64_t *procs, int nr);
void por_step_begin(uint64_t proc, long choice, bool global);
void por_step_end(bool global);
int por_search_start(int bound);
void por_search_end(void);
long por_next_prefix(uint16_t *prefix, long nr_choices, long replayed);
const uint16_t *por_encode(long next, long *len);
long por_decode(const uint16_t *buf, long n, uint16_t *prefix);
void por_objects_restart(void);
void det_opaque(bool on);

/* What the last run chose, and how many options each choice had. */
extern uint16_t det_chosen[DET_MAX_CHOICES] SHIM_HIDDEN;
extern uint16_t det_options[DET_MAX_CHOICES] SHIM_HIDDEN;
extern uint8_t det_cur_enabled[DET_MAX_CHOICES] SHIM_HIDDEN;
extern struct det_trace_ent det_trace[DET_MAX_TRACE] SHIM_HIDDEN;
extern long det_nr_trace SHIM_HIDDEN;

#endif /* _SHIM_DET_H */
