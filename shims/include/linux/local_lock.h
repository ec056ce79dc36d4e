/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCAL_LOCK_H
#define _LINUX_LOCAL_LOCK_H

#include <linux/percpu.h>
#include <linux/lockdep.h>
#include <linux/irqflags.h>

/*
 * Mainline's local_lock_t (5.8+): on a kernel without PREEMPT_RT, a per-CPU
 * lock is preemption (or interrupts) off plus a lockdep map per CPU, so
 * lockdep sees what it protects and that it is held by its CPU's owner.
 */
typedef struct {
	struct lockdep_map dep_map;
	struct task_struct *owner;
} local_lock_t;

#define INIT_LOCAL_LOCK(lockname)	{ .dep_map = { .name = #lockname } }

void __local_lock_acquire(local_lock_t *l, unsigned long ip);
void __local_lock_release(local_lock_t *l);

#define local_lock_init(lock) do {					\
	static struct lock_class_key __key;				\
	lockdep_init_map(&(lock)->dep_map, #lock, &__key, 0);		\
	(lock)->owner = NULL;						\
} while (0)

#define local_lock(lock) do {						\
	preempt_disable();						\
	__local_lock_acquire(this_cpu_ptr(lock), _THIS_IP_);		\
} while (0)
#define local_unlock(lock) do {						\
	__local_lock_release(this_cpu_ptr(lock));			\
	preempt_enable();						\
} while (0)
#define local_lock_irq(lock) do {					\
	local_irq_disable();						\
	__local_lock_acquire(this_cpu_ptr(lock), _THIS_IP_);		\
} while (0)
#define local_unlock_irq(lock) do {					\
	__local_lock_release(this_cpu_ptr(lock));			\
	local_irq_enable();						\
} while (0)
#define local_lock_irqsave(lock, flags) do {				\
	local_irq_save(flags);						\
	__local_lock_acquire(this_cpu_ptr(lock), _THIS_IP_);		\
} while (0)
#define local_unlock_irqrestore(lock, flags) do {			\
	__local_lock_release(this_cpu_ptr(lock));			\
	local_irq_restore(flags);					\
} while (0)

#endif /* _LINUX_LOCAL_LOCK_H */
