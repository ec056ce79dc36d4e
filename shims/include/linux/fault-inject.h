/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_FAULT_INJECT_H
#define _LINUX_FAULT_INJECT_H

#include <linux/types.h>
#include <linux/atomic.h>

/*
 * The kernel's fault_attr: when a call site asks should_fail(), the knobs
 * decide, checked in the kernel's order (fail-nth, probability 0,
 * task-filter, times, the stack trace filter, space, interval, probability).
 */
struct fault_attr {
	const char *name;
	unsigned long probability;	/* percent */
	unsigned long interval;
	atomic_t times;			/* -1: no limit */
	atomic_t space;
	unsigned long verbose;
	bool task_filter;
	/* CONFIG_FAULT_INJECTION_STACKTRACE_FILTER: code addresses */
	unsigned long stacktrace_depth;
	unsigned long require_start, require_end;
	unsigned long reject_start, reject_end;
	bool ignore_gfp_wait;		/* failslab, fail_page_alloc */
	unsigned long count;
	unsigned long injected;
	uint64_t rng;
};

bool should_fail(struct fault_attr *attr, ssize_t size);

#endif /* _LINUX_FAULT_INJECT_H */
