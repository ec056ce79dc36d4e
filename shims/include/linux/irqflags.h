/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>

/*
 * The irq flag of the current vCPU.  A saved value has X86_EFLAGS_IF set when
 * interrupts were enabled, so irqs_disabled_flags() reads it as on x86.
 * Masked interrupts stay pending and run when the flag comes back on.
 */
#define X86_EFLAGS_IF	0x00000200UL

static inline unsigned long arch_local_save_flags(void)
{
	return shim_current->irqs_off ? 0 : X86_EFLAGS_IF;
}

static inline void arch_local_irq_disable(void)
{
	shim_sched_point(SP_IRQ_OFF, NULL);
	shim_current->irqs_off = 1;
}

static inline void arch_local_irq_enable(void)
{
	struct task_struct *t = shim_current;

	t->irqs_off = 0;
	if (unlikely(t->vcpu && __atomic_load_n(&t->vcpu->pending_irqs,
						__ATOMIC_RELAXED)))
		shim_irq_restore_slow();
	shim_sched_point(SP_IRQ_ON, NULL);
}

static inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();

	arch_local_irq_disable();
	return flags;
}

static inline void arch_local_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		arch_local_irq_enable();
	else
		shim_current->irqs_off = 1;
}

static inline int arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & X86_EFLAGS_IF);
}

#define raw_local_irq_save(flags) do {					\
	typecheck(unsigned long, flags);				\
	flags = arch_local_irq_save();					\
} while (0)
#define raw_local_irq_restore(flags) do {				\
	typecheck(unsigned long, flags);				\
	arch_local_irq_restore(flags);					\
} while (0)
#define raw_local_save_flags(flags) do {				\
	typecheck(unsigned long, flags);				\
	flags = arch_local_save_flags();				\
} while (0)
#define raw_local_irq_disable()		arch_local_irq_disable()
#define raw_local_irq_enable()		arch_local_irq_enable()
#define raw_irqs_disabled_flags(flags)	arch_irqs_disabled_flags(flags)
#define raw_irqs_disabled()		(shim_current->irqs_off != 0)

#define local_irq_save(flags)		raw_local_irq_save(flags)
#define local_irq_restore(flags)	raw_local_irq_restore(flags)
#define local_save_flags(flags)		raw_local_save_flags(flags)
#define local_irq_disable()		raw_local_irq_disable()
#define local_irq_enable()		raw_local_irq_enable()
#define irqs_disabled()			raw_irqs_disabled()
#define irqs_disabled_flags(flags)	raw_irqs_disabled_flags(flags)

#define lockdep_assert_irqs_disabled()	WARN_ON_ONCE(!irqs_disabled())
#define lockdep_assert_irqs_enabled()	WARN_ON_ONCE(irqs_disabled())

#endif /* _LINUX_IRQFLAGS_H */
