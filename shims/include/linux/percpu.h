/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PERCPU_H
#define _LINUX_PERCPU_H

#include <linux/types.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>

/* the kernel's percpu.h reaches these through mmdebug.h, pfn.h and asm/percpu.h */
#include <linux/init.h>
#include <linux/gfp.h>

/*
 * Per-cpu areas as the kernel lays them out: one unit per possible CPU, a
 * __percpu pointer plus __per_cpu_offset[cpu] is that CPU's copy.  The
 * __percpu pointer itself points into a guard unit that faults, so code that
 * dereferences it without per_cpu_ptr()/this_cpu_ptr() crashes as it would on
 * a real kernel instead of silently using CPU 0's copy.
 */
extern unsigned long __per_cpu_offset[NR_CPUS] SHIM_HIDDEN;

#define per_cpu_offset(cpu)	(__per_cpu_offset[(cpu)])
#define __verify_pcpu_ptr(ptr)	do { (void)sizeof(*(ptr)); } while (0)

#define per_cpu_ptr(ptr, cpu) ({					\
	__verify_pcpu_ptr(ptr);						\
	((typeof(ptr))((char *)(ptr) + per_cpu_offset(cpumask_check(cpu)))); \
})
/* the runtime's own CPU number is always in range: no cpumask_check() */
#define __shim_cpu_ptr(ptr, cpu) ({					\
	__verify_pcpu_ptr(ptr);						\
	((typeof(ptr))((char *)(ptr) + per_cpu_offset(cpu)));		\
})
#define raw_cpu_ptr(ptr)	__shim_cpu_ptr((ptr), raw_smp_processor_id())
#define this_cpu_ptr(ptr)						\
	__shim_cpu_ptr((ptr), debug_smp_processor_id("this_cpu_ptr"))
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)

void __percpu *__alloc_percpu(size_t size, size_t align);
void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void free_percpu(void __percpu *ptr);

#define alloc_percpu(type)						\
	((typeof(type) __percpu *)__alloc_percpu(sizeof(type),		\
						 __alignof__(type)))
#define alloc_percpu_gfp(type, gfp)					\
	((typeof(type) __percpu *)__alloc_percpu_gfp(sizeof(type),	\
						     __alignof__(type), (gfp)))

/* this_cpu operations: irq-safe read-modify-write on this CPU's copy. */
#define __shim_this_cpu_rmw(pcp, op, val) do {				\
	unsigned long __flags;						\
	raw_local_irq_save(__flags);					\
	*raw_cpu_ptr(&(pcp)) op (val);					\
	raw_local_irq_restore(__flags);					\
} while (0)
#define this_cpu_read(pcp)	READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, v)	__shim_this_cpu_rmw(pcp, =, v)
#define this_cpu_add(pcp, v)	__shim_this_cpu_rmw(pcp, +=, v)
#define this_cpu_sub(pcp, v)	__shim_this_cpu_rmw(pcp, -=, v)
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)
#define __this_cpu_read(pcp)	(*this_cpu_ptr(&(pcp)))
#define __this_cpu_write(pcp, v) (*this_cpu_ptr(&(pcp)) = (v))
#define __this_cpu_add(pcp, v)	(*this_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_sub(pcp, v)	(*this_cpu_ptr(&(pcp)) -= (v))
#define __this_cpu_inc(pcp)	__this_cpu_add(pcp, 1)
#define __this_cpu_dec(pcp)	__this_cpu_sub(pcp, 1)
#define raw_cpu_read(pcp)	(*raw_cpu_ptr(&(pcp)))
#define raw_cpu_write(pcp, v)	(*raw_cpu_ptr(&(pcp)) = (v))

#endif /* _LINUX_PERCPU_H */
