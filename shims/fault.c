// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: the kernel's fault_attr knobs and order of checks, the
 * attach points (failslab, fail_page_alloc, fail_percpu, fail_function) and
 * a debugfs-like text interface.  Every decision draws from the attribute's
 * own generator, seeded from outside, so a run's injections replay.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/gfp.h>
#include <linux/fault-inject.h>
#include <execinfo.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

#define STACKTRACE_MAX	64

#define FAULT_ATTR_INITIALIZER(n, ignore) {				\
	.name = n, .interval = 1, .times = ATOMIC_INIT(1),		\
	.ignore_gfp_wait = ignore, .stacktrace_depth = 32,		\
	.require_end = ULONG_MAX }

/*
 * One per attach point.  ignore-gfp-wait starts at N, as syzkaller sets it,
 * so that sleeping allocations (most of what a driver's init does) can fail;
 * the kernel's own default is Y.
 */
static struct fault_attr fault_points[] = {
	[SHIM_FAIL_SLAB] = FAULT_ATTR_INITIALIZER("failslab", false),
	[SHIM_FAIL_PAGE] = FAULT_ATTR_INITIALIZER("fail_page_alloc", false),
	[SHIM_FAIL_PERCPU] = FAULT_ATTR_INITIALIZER("fail_percpu", false),
	[SHIM_FAIL_FUNCTION] = FAULT_ATTR_INITIALIZER("fail_function", false),
};

/* the harness's own checks run with every fault held off */
static int suspended;

SHIM_EXPORT void hk_fault_suspend(int on)
{
	__atomic_store_n(&suspended, on, __ATOMIC_SEQ_CST);
}

/* fail_function: which wrapped entry point fails, and with what */
static char fail_function_name[64];
static long fail_function_retval;

static uint64_t attr_rand(struct fault_attr *attr)
{
	uint64_t x = __atomic_load_n(&attr->rng, __ATOMIC_RELAXED);
	uint64_t next;

	do {
		next = x ? x : 0x853c49e6748fea9bull;
		next ^= next << 13;
		next ^= next >> 7;
		next ^= next << 17;
	} while (!__atomic_compare_exchange_n(&attr->rng, &x, next, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return next;
}

static bool fail_task(struct task_struct *t)
{
	return t && !(t->flags & PF_IDLE) && (t->flags & PF_MAKE_IT_FAIL);
}

static bool in_range(unsigned long pc, unsigned long start, unsigned long end)
{
	return pc >= start && pc < end;
}

/*
 * The stack trace filter: fail only a call with a return address in
 * [require-start, require-end) among its innermost stacktrace-depth frames,
 * and none in [reject-start, reject-end).  Without either range set it does
 * not walk the stack at all.
 */
static bool stack_allows(struct fault_attr *attr)
{
	void *frames[STACKTRACE_MAX];
	bool found = attr->require_start == 0 && attr->require_end == ULONG_MAX;
	int n;

	if (!attr->stacktrace_depth ||
	    (found && !attr->reject_start && !attr->reject_end))
		return found;
	/* the unwinder reads .eh_frame: it crosses libffi and the host's frames */
	n = backtrace(frames, min_t(unsigned long, attr->stacktrace_depth + 1,
				    STACKTRACE_MAX));
	for (int i = 1; i < n; i++) {	/* past should_fail() itself */
		unsigned long pc = (unsigned long)frames[i];

		if (in_range(pc, attr->reject_start, attr->reject_end))
			return false;
		if (in_range(pc, attr->require_start, attr->require_end))
			found = true;
	}
	return found;
}

/* The kernel's fail_dump(): verbose 1 says what failed, 2 adds the stack. */
static void report_injection(struct fault_attr *attr)
{
	if (!attr->verbose)
		return;
	printk(KERN_NOTICE "FAULT_INJECTION: forcing a failure.\n"
	       "name %s, interval %lu, probability %lu, space %d, times %d\n",
	       attr->name, attr->interval, attr->probability,
	       atomic_read(&attr->space), atomic_read(&attr->times));
	if (attr->verbose > 1)
		dump_stack();
}

/**
 * should_fail() - does this call fail?
 * @attr: the attach point's knobs
 * @size: bytes asked for (for "space")
 *
 * The kernel's order: a task's fail-nth first; then nothing at all when
 * the probability is 0; then the task filter, times, space, interval and
 * the draw.  Every injection, fail-nth's included, spends one of @times.
 *
 * Return: true to make the call fail.
 */
bool should_fail(struct fault_attr *attr, ssize_t size)
{
	struct task_struct *t = shim_current;
	bool in_task = t && !(t->flags & PF_IDLE) &&
		       !(t->preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK));

	if (__atomic_load_n(&suspended, __ATOMIC_RELAXED))
		return false;

	/* fail-nth is per task and overrides the rest */
	if (in_task && t->fail_nth) {
		if (--t->fail_nth)
			return false;
		goto fail;
	}
	if (!attr->probability)
		return false;
	if (attr->task_filter && !(in_task && fail_task(t)))
		return false;
	if (atomic_read(&attr->times) == 0)
		return false;
	if (!stack_allows(attr))
		return false;
	/* the attribute's counters are one state for every caller */
	shim_det_note_machine();
	if (atomic_read(&attr->space) > size) {
		atomic_sub(size, &attr->space);
		return false;
	}
	if (attr->interval > 1 &&
	    __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED) % attr->interval)
		return false;
	if (attr->probability <= attr_rand(attr) % 100)
		return false;
fail:
	__atomic_fetch_add(&attr->injected, 1, __ATOMIC_RELAXED);
	shim_trace(attr->name, (long)size, 0);
	report_injection(attr);
	if (atomic_read(&attr->times) != -1)
		atomic_add_unless(&attr->times, -1, 0);
	return true;
}

bool shim_should_fail_alloc(int point, size_t size, unsigned long gfp)
{
	struct fault_attr *attr = &fault_points[point];

	if (gfp & __GFP_NOFAIL)
		return false;
	if (attr->ignore_gfp_wait && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	return should_fail(attr, size);
}

/*
 * The deterministic engine rewinds every point to where it stood when an
 * exploration began, before each run: the same decisions then meet the same
 * injections.
 */
static struct fault_attr snapshot[ARRAY_SIZE(fault_points)];

void shim_fault_snapshot(void)
{
	memcpy(snapshot, fault_points, sizeof(snapshot));
}

void shim_fault_rewind(void)
{
	memcpy(fault_points, snapshot, sizeof(snapshot));
}

/* Every point back to its boot defaults, nothing armed. */
SHIM_EXPORT void hk_fault_reset(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_points); i++) {
		struct fault_attr *attr = &fault_points[i];
		unsigned long injected = attr->injected;

		*attr = (struct fault_attr)FAULT_ATTR_INITIALIZER(attr->name,
								  false);
		attr->injected = injected;
	}
	fail_function_name[0] = 0;
	fail_function_retval = 0;
}

/* For a wrapped entry point: the errno it should return now, or 0. */
long shim_fail_function(const char *func)
{
	if (!fail_function_name[0] || strcmp(func, fail_function_name))
		return 0;
	return should_fail(&fault_points[SHIM_FAIL_FUNCTION], 0) ?
		fail_function_retval : 0;
}

/* ---- the text interface: "<point>/<knob>" files ---- */

static struct fault_attr *find_point(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_points); i++)
		if (strlen(fault_points[i].name) == len &&
		    !strncmp(fault_points[i].name, name, len))
			return &fault_points[i];
	return NULL;
}

static int parse_long(const char *text, long *out)
{
	char *end;

	*out = strtol(text, &end, 0);
	while (*end == ' ' || *end == '\n')
		end++;
	return end == text || *end ? -EINVAL : 0;
}

/**
 * hk_fault_write() - write @value to the knob @path ("failslab/probability")
 * Return: 0, -ENOENT (no such point or knob), -EINVAL (a bad value).
 */
SHIM_EXPORT int hk_fault_write(const char *path, const char *value)
{
	const char *slash = strchr(path, '/');
	struct fault_attr *attr;
	const char *knob;
	long v = 0;

	if (!slash || !(attr = find_point(path, slash - path)))
		return -ENOENT;
	knob = slash + 1;
	if (attr == &fault_points[SHIM_FAIL_FUNCTION] && !strcmp(knob, "inject")) {
		if (strlen(value) >= sizeof(fail_function_name))
			return -EINVAL;
		snprintf(fail_function_name, sizeof(fail_function_name), "%s",
			 value);
		fail_function_name[strcspn(fail_function_name, "\n")] = 0;
		return 0;
	}
	if (parse_long(value, &v))
		return -EINVAL;
	if (!strcmp(knob, "probability")) {
		if (v < 0 || v > 100)
			return -EINVAL;
		attr->probability = v;
	} else if (!strcmp(knob, "interval")) {
		if (v < 1)
			return -EINVAL;
		attr->interval = v;
	} else if (!strcmp(knob, "times")) {
		if (v < -1)
			return -EINVAL;
		atomic_set(&attr->times, v);
	} else if (!strcmp(knob, "space")) {
		if (v < 0)
			return -EINVAL;
		atomic_set(&attr->space, v);
	} else if (!strcmp(knob, "verbose")) {
		attr->verbose = v;
	} else if (!strcmp(knob, "task-filter")) {
		attr->task_filter = v != 0;
	} else if (!strcmp(knob, "ignore-gfp-wait") &&
		   attr != &fault_points[SHIM_FAIL_FUNCTION]) {
		attr->ignore_gfp_wait = v != 0;
	} else if (!strcmp(knob, "retval") &&
		   attr == &fault_points[SHIM_FAIL_FUNCTION]) {
		if (v > 0 || v < -4095)
			return -EINVAL;
		fail_function_retval = v;
	} else if (!strcmp(knob, "stacktrace-depth")) {
		if (v < 0 || v >= STACKTRACE_MAX)
			return -EINVAL;
		attr->stacktrace_depth = v;
	} else if (!strcmp(knob, "require-start")) {
		attr->require_start = v;
	} else if (!strcmp(knob, "require-end")) {
		attr->require_end = v;
	} else if (!strcmp(knob, "reject-start")) {
		attr->reject_start = v;
	} else if (!strcmp(knob, "reject-end")) {
		attr->reject_end = v;
	} else if (!strcmp(knob, "seed")) {
		attr->rng = (uint64_t)v * 0x9e3779b97f4a7c15ull + 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

/**
 * hk_fault_read() - the knobs of @point as "knob value" lines
 * Return: bytes written, or -ENOENT.
 */
SHIM_EXPORT long hk_fault_read(const char *point, char *buf, size_t len)
{
	struct fault_attr *attr = find_point(point, strlen(point));
	long n;

	if (!attr)
		return -ENOENT;
	n = snprintf(buf, len,
		     "probability %lu\ninterval %lu\ntimes %d\nspace %d\n"
		     "verbose %lu\ntask-filter %d\ninjected %lu\n"
		     "stacktrace-depth %lu\nrequire-start %#lx\nrequire-end %#lx\n"
		     "reject-start %#lx\nreject-end %#lx\n",
		     attr->probability, attr->interval, atomic_read(&attr->times),
		     atomic_read(&attr->space), attr->verbose, attr->task_filter,
		     __atomic_load_n(&attr->injected, __ATOMIC_RELAXED),
		     attr->stacktrace_depth, attr->require_start,
		     attr->require_end, attr->reject_start, attr->reject_end);
	if (attr == &fault_points[SHIM_FAIL_FUNCTION])
		n += snprintf(buf + n, len - n, "inject %s\nretval %ld\n",
			      fail_function_name, fail_function_retval);
	else
		n += snprintf(buf + n, len - n, "ignore-gfp-wait %d\n",
			      attr->ignore_gfp_wait);
	return n;
}

/* make-it-fail: the task-filter's flag, as /proc/<pid>/make-it-fail */
SHIM_EXPORT void hk_task_make_it_fail(struct task_struct *t, int on)
{
	if (on)
		t->flags |= PF_MAKE_IT_FAIL;
	else
		t->flags &= ~PF_MAKE_IT_FAIL;
}

long shim_faults_injected(void)
{
	long n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fault_points); i++)
		n += __atomic_load_n(&fault_points[i].injected, __ATOMIC_RELAXED);
	return n;
}
