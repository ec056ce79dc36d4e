/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <asm/barrier.h>

#define TASK_RUNNING		0x0000
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002
#define __TASK_STOPPED		0x0004
#define __TASK_TRACED		0x0008
#define TASK_DEAD		0x0040
#define TASK_WAKEKILL		0x0100
#define TASK_WAKING		0x0200
#define TASK_NOLOAD		0x0400
#define TASK_KILLABLE		(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
#define TASK_IDLE		(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_NORMAL		(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
#define TASK_ALL		(TASK_NORMAL | __TASK_STOPPED | __TASK_TRACED)

#define MAX_SCHEDULE_TIMEOUT	LONG_MAX

static inline struct task_struct *get_current(void)
{
	return shim_current;
}
#define current			get_current()

/* The store is fully ordered against the condition checked after it. */
#define __set_current_state(state_value)				\
	WRITE_ONCE(current->state, (state_value))
#define set_current_state(state_value) do {				\
	shim_sched_point(SP_WAIT, current);				\
	__atomic_store_n(&current->state, (state_value), __ATOMIC_SEQ_CST); \
	__shim_order_fence(__ATOMIC_SEQ_CST);				\
} while (0)

#define task_cpu(p)		((p)->cpu)
#define task_pid_nr(p)		((p)->pid)

static inline void schedule(void)
{
	shim_schedule();
}

static inline void io_schedule(void)
{
	shim_schedule();
}

long schedule_timeout(long timeout);
long schedule_timeout_interruptible(long timeout);
long schedule_timeout_killable(long timeout);
long schedule_timeout_uninterruptible(long timeout);
long schedule_timeout_idle(long timeout);
void cond_resched(void);
int wake_up_process(struct task_struct *p);
int wake_up_state(struct task_struct *p, unsigned int state);
void yield(void);

#define cpu_relax_yield()	cpu_relax()

static inline int test_tsk_thread_flag_sigpending(struct task_struct *p)
{
	return __atomic_load_n(&p->sigpending, __ATOMIC_SEQ_CST) != 0;
}

static inline int signal_pending(struct task_struct *p)
{
	return unlikely(test_tsk_thread_flag_sigpending(p));
}

static inline int __fatal_signal_pending(struct task_struct *p)
{
	return __atomic_load_n(&p->fatal_sigpending, __ATOMIC_SEQ_CST) != 0;
}

static inline int fatal_signal_pending(struct task_struct *p)
{
	return signal_pending(p) && __fatal_signal_pending(p);
}

static inline int signal_pending_state(long state, struct task_struct *p)
{
	if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))
		return 0;
	if (!signal_pending(p))
		return 0;
	return (state & TASK_INTERRUPTIBLE) || __fatal_signal_pending(p);
}


/* What the kernel's sched.h pulls in (gfp.h, percpu.h, topology.h, and wait.h
 * through completion.h) and, before 4.11, the signal helpers that later moved
 * to sched/signal.h: real files of every era rely on them.  Last, since those
 * headers need the task definitions above. */
#include <linux/jiffies.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/topology.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/sched/signal.h>

#endif /* _LINUX_SCHED_H */
