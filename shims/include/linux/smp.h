/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SMP_H
#define _LINUX_SMP_H

#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/cpumask.h>

/*
 * As with CONFIG_DEBUG_PREEMPT: asking for the CPU number from code that can
 * migrate is reported, because the answer can be stale before it is used.
 */
static inline int __debug_smp_processor_id(const char *what, const char *file,
					   int line, const char *func)
{
	struct task_struct *t = shim_current;

	/* a task bound to its CPU, or with migration disabled, stays there */
	if (unlikely(t->preempt_count == 0 && !t->irqs_off &&
		     !shim_task_pinned(t)))
		shim_report_preemptible(what, file, line, func);
	return t->cpu;
}

#define debug_smp_processor_id(what)					\
	__debug_smp_processor_id(what, __FILE__, __LINE__, __func__)
#define raw_smp_processor_id()	(shim_current->cpu)
#define smp_processor_id()	debug_smp_processor_id("smp_processor_id")
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()

#endif /* _LINUX_SMP_H */
