/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PREEMPT_H
#define _LINUX_PREEMPT_H

#include <linux/compiler.h>

#define preempt_count()		(shim_current->preempt_count)
#define hardirq_count()		(preempt_count() & HARDIRQ_MASK)
#define softirq_count()		(preempt_count() & SOFTIRQ_MASK)
#define irq_count()		(preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK))
#define in_irq()		(hardirq_count())
#define in_hardirq()		(hardirq_count())
#define in_softirq()		(softirq_count())
#define in_serving_softirq()	(softirq_count() & SOFTIRQ_OFFSET)
#define in_interrupt()		(irq_count())
#define in_nmi()		(0)
#define in_task()		(!irq_count())
#define in_atomic()		(preempt_count() != 0)
#define preemptible()		(preempt_count() == 0 && !shim_current->irqs_off)

static inline void __preempt_count_add(int val)
{
	shim_current->preempt_count += val;
}

static inline void __preempt_count_sub(int val)
{
	shim_current->preempt_count -= val;
}

#define preempt_count_add(v)	__preempt_count_add(v)
#define preempt_count_sub(v)	__preempt_count_sub(v)
#define preempt_count_inc()	preempt_count_add(1)
#define preempt_count_dec()	preempt_count_sub(1)

#define preempt_disable() do {						\
	preempt_count_inc();						\
	barrier();							\
} while (0)

#define preempt_enable_no_resched() do {				\
	barrier();							\
	preempt_count_dec();						\
} while (0)

/* Back to 0 with irqs on is a preemption point. */
static inline void __preempt_enable_point(void)
{
	if (preempt_count() == 0 && !shim_current->irqs_off)
		shim_sched_point(SP_PREEMPT_ON, NULL);
}
#define preempt_enable() do {						\
	barrier();							\
	preempt_count_dec();						\
	__preempt_enable_point();					\
} while (0)

#define preempt_disable_notrace()	preempt_disable()
#define preempt_enable_notrace()	preempt_enable()
#define preempt_check_resched()		do { } while (0)
#define sched_preempt_enable_no_resched() preempt_enable_no_resched()
/*
 * Since 5.11, migrate_disable() keeps the task on its CPU and lets it sleep
 * and be preempted; before, where it existed at all, it was preempt_disable().
 * The images of the old percpu_ida generations get the old meaning.
 */
#if defined(PIDA_GEN) && PIDA_GEN < 314	/* the image's API generation */
#define migrate_disable()		preempt_disable()
#define migrate_enable()		preempt_enable()
#else
#define migrate_disable()		do { shim_current->migration_disabled++; barrier(); } while (0)
#define migrate_enable()		do { barrier(); shim_current->migration_disabled--; } while (0)
#endif

#endif /* _LINUX_PREEMPT_H */
