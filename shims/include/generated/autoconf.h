/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration of the kernel the shims model, as Kconfig would write
 * it: an SMP x86-64 kernel with CPU hotplug, full preemption, and the debug
 * options whose checks the shims carry out (spinlock and mutex debugging,
 * lockdep, atomic-sleep and preemption checks, fault injection, kmemleak).
 * Code under #ifdef CONFIG_* or IS_ENABLED() sees what such a kernel has.
 */
#ifndef __SHIM_AUTOCONF_H
#define __SHIM_AUTOCONF_H

#define CONFIG_64BIT 1
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define CONFIG_SMP 1
#define CONFIG_NR_CPUS 64
#define CONFIG_HOTPLUG_CPU 1
#define CONFIG_HZ 250
#define CONFIG_HZ_250 1
#define CONFIG_PREEMPT 1
#define CONFIG_PREEMPTION 1
#define CONFIG_PREEMPT_COUNT 1
#define CONFIG_TREE_RCU 1
#define CONFIG_DEBUG_KERNEL 1
#define CONFIG_DEBUG_SPINLOCK 1
#define CONFIG_DEBUG_MUTEXES 1
#define CONFIG_DEBUG_LOCK_ALLOC 1
#define CONFIG_LOCKDEP 1
#define CONFIG_PROVE_LOCKING 1
#define CONFIG_TRACE_IRQFLAGS 1
#define CONFIG_DEBUG_ATOMIC_SLEEP 1
#define CONFIG_DEBUG_PREEMPT 1
#define CONFIG_DEBUG_PER_CPU_MAPS 1
#define CONFIG_DEBUG_KMEMLEAK 1
#define CONFIG_FAULT_INJECTION 1
#define CONFIG_FAILSLAB 1
#define CONFIG_FAIL_PAGE_ALLOC 1
#define CONFIG_FUNCTION_ERROR_INJECTION 1
#define CONFIG_FAIL_FUNCTION 1
#define CONFIG_BUG 1
#define CONFIG_PRINTK 1

#endif /* __SHIM_AUTOCONF_H */
