/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCALLOCK_H
#define _LINUX_LOCALLOCK_H

/*
 * The PREEMPT_RT local locks of 3.x/4.x -rt trees.  On a non-RT kernel they
 * are exactly the irq or preempt toggles they replace, which is what this is.
 */
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/smp.h>

struct local_irq_lock {
	int unused;
};

#define DEFINE_LOCAL_IRQ_LOCK(lvar)	struct local_irq_lock lvar
#define DECLARE_LOCAL_IRQ_LOCK(lvar)	extern struct local_irq_lock lvar
#define local_lock_irqsave(lvar, flags)	do { (void)&(lvar); local_irq_save(flags); } while (0)
#define local_unlock_irqrestore(lvar, flags) do { (void)&(lvar); local_irq_restore(flags); } while (0)
#define local_lock_irq(lvar)		do { (void)&(lvar); local_irq_disable(); } while (0)
#define local_unlock_irq(lvar)		do { (void)&(lvar); local_irq_enable(); } while (0)
#define local_lock(lvar)		do { (void)&(lvar); preempt_disable(); } while (0)
#define local_unlock(lvar)		do { (void)&(lvar); preempt_enable(); } while (0)
#define get_locked_var(lvar, var)	(*({ local_lock(lvar); this_cpu_ptr(&(var)); }))
#define put_locked_var(lvar, var)	local_unlock(lvar)
#define local_lock_cpu(lvar)		({ local_lock(lvar); smp_processor_id(); })
#define local_unlock_cpu(lvar)		local_unlock(lvar)

#endif /* _LINUX_LOCALLOCK_H */
