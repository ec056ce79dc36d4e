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

/*
 * Static per-cpu variables (DEFINE_PER_CPU) live in the image's shim_percpu
 * section, a template; at boot each CPU's unit gets a copy, and an address
 * in the template is moved to that copy.  Dynamic ones are unaffected.
 */
extern char __start_shim_percpu[] __attribute__((weak)) SHIM_HIDDEN;
extern char __stop_shim_percpu[] __attribute__((weak)) SHIM_HIDDEN;
extern char *shim_pcpu_static SHIM_HIDDEN;

/* branch-free: no branch of ours on the caller's line in the gcov build */
static __always_inline void *__shim_pcpu_base(const void *ptr)
{
	unsigned long p = (unsigned long)ptr;
	unsigned long off = p - (unsigned long)__start_shim_percpu;
	unsigned long in = off < (unsigned long)(__stop_shim_percpu -
						 __start_shim_percpu);

	return (void *)(p + (-in & ((unsigned long)shim_pcpu_static + off - p)));
}

#define per_cpu_ptr(ptr, cpu) ({					\
	__verify_pcpu_ptr(ptr);						\
	((typeof(ptr))((char *)__shim_pcpu_base(ptr) +			\
		       per_cpu_offset(cpumask_check(cpu))));		\
})
/* the runtime's own CPU number is always in range: no cpumask_check() */
#define __shim_cpu_ptr(ptr, cpu) ({					\
	__verify_pcpu_ptr(ptr);						\
	((typeof(ptr))((char *)__shim_pcpu_base(ptr) + per_cpu_offset(cpu))); \
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

/* Static per-cpu variables, as the kernel declares them. */
#define __PCPU_ATTRS		__attribute__((section("shim_percpu")))
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
#define DEFINE_PER_CPU(type, name)	__PCPU_ATTRS __typeof__(type) name
#define DECLARE_PER_CPU_ALIGNED(type, name) DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_ALIGNED(type, name)				\
	__PCPU_ATTRS __aligned(SMP_CACHE_BYTES) __typeof__(type) name
#define DECLARE_PER_CPU_SHARED_ALIGNED(type, name) DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name) DEFINE_PER_CPU_ALIGNED(type, name)
#define DEFINE_PER_CPU_READ_MOSTLY(type, name) DEFINE_PER_CPU(type, name)
#define DECLARE_PER_CPU_READ_MOSTLY(type, name) DECLARE_PER_CPU(type, name)
#define EXPORT_PER_CPU_SYMBOL(var)
#define EXPORT_PER_CPU_SYMBOL_GPL(var)

#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), (cpu)))
#define get_cpu_var(var)	(*({ preempt_disable(); this_cpu_ptr(&(var)); }))
#define put_cpu_var(var)	do { (void)&(var); preempt_enable(); } while (0)

/*
 * this_cpu operations: one instruction on x86, so safe against interrupts and
 * preemption without either turned off; here, a section with irqs off.
 * raw_cpu_*: no protection and no checks.  __this_cpu_*: the caller has
 * preemption off, which CONFIG_DEBUG_PREEMPT checks.
 */
#define __shim_this_cpu_op(pcp, expr) ({				\
	unsigned long __flags;						\
	typeof(pcp) *__p, __r;						\
	raw_local_irq_save(__flags);					\
	__p = raw_cpu_ptr(&(pcp));					\
	__r = (expr);							\
	raw_local_irq_restore(__flags);					\
	__r;								\
})
#define __shim_cpu_cmpxchg(p, o, n) ({					\
	typeof(*(p)) __old = (o);					\
	if (*(p) == __old)						\
		*(p) = (n);						\
	else								\
		__old = *(p);						\
	__old;								\
})
#define __shim_cpu_xchg(p, n) ({					\
	typeof(*(p)) __prev = *(p);					\
	*(p) = (n);							\
	__prev;								\
})

#define this_cpu_read(pcp)	READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, v)	((void)__shim_this_cpu_op(pcp, *__p = (v)))
#define this_cpu_add(pcp, v)	((void)__shim_this_cpu_op(pcp, *__p += (v)))
#define this_cpu_sub(pcp, v)	((void)__shim_this_cpu_op(pcp, *__p -= (v)))
#define this_cpu_and(pcp, v)	((void)__shim_this_cpu_op(pcp, *__p &= (v)))
#define this_cpu_or(pcp, v)	((void)__shim_this_cpu_op(pcp, *__p |= (v)))
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)
#define this_cpu_add_return(pcp, v) __shim_this_cpu_op(pcp, *__p += (v))
#define this_cpu_sub_return(pcp, v) __shim_this_cpu_op(pcp, *__p -= (v))
#define this_cpu_inc_return(pcp) this_cpu_add_return(pcp, 1)
#define this_cpu_dec_return(pcp) this_cpu_sub_return(pcp, 1)
#define this_cpu_xchg(pcp, n)	__shim_this_cpu_op(pcp, __shim_cpu_xchg(__p, n))
#define this_cpu_cmpxchg(pcp, o, n) \
	__shim_this_cpu_op(pcp, __shim_cpu_cmpxchg(__p, o, n))
#define this_cpu_try_cmpxchg(pcp, ovalp, n) ({				\
	typeof(ovalp) __ov = (ovalp);					\
	typeof(pcp) __was = this_cpu_cmpxchg(pcp, *__ov, n);		\
	bool __ok = __was == *__ov;					\
	*__ov = __was;							\
	__ok;								\
})

#define raw_cpu_read(pcp)	(*raw_cpu_ptr(&(pcp)))
#define raw_cpu_write(pcp, v)	(*raw_cpu_ptr(&(pcp)) = (v))
#define raw_cpu_add(pcp, v)	(*raw_cpu_ptr(&(pcp)) += (v))
#define raw_cpu_sub(pcp, v)	(*raw_cpu_ptr(&(pcp)) -= (v))
#define raw_cpu_and(pcp, v)	(*raw_cpu_ptr(&(pcp)) &= (v))
#define raw_cpu_or(pcp, v)	(*raw_cpu_ptr(&(pcp)) |= (v))
#define raw_cpu_inc(pcp)	raw_cpu_add(pcp, 1)
#define raw_cpu_dec(pcp)	raw_cpu_sub(pcp, 1)
#define raw_cpu_add_return(pcp, v) (*raw_cpu_ptr(&(pcp)) += (v))
#define raw_cpu_sub_return(pcp, v) (*raw_cpu_ptr(&(pcp)) -= (v))
#define raw_cpu_inc_return(pcp)	raw_cpu_add_return(pcp, 1)
#define raw_cpu_dec_return(pcp)	raw_cpu_sub_return(pcp, 1)
#define raw_cpu_xchg(pcp, n)	__shim_cpu_xchg(raw_cpu_ptr(&(pcp)), n)
#define raw_cpu_cmpxchg(pcp, o, n) __shim_cpu_cmpxchg(raw_cpu_ptr(&(pcp)), o, n)

#define __this_cpu_read(pcp)	(*this_cpu_ptr(&(pcp)))
#define __this_cpu_write(pcp, v) (*this_cpu_ptr(&(pcp)) = (v))
#define __this_cpu_add(pcp, v)	(*this_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_sub(pcp, v)	(*this_cpu_ptr(&(pcp)) -= (v))
#define __this_cpu_and(pcp, v)	(*this_cpu_ptr(&(pcp)) &= (v))
#define __this_cpu_or(pcp, v)	(*this_cpu_ptr(&(pcp)) |= (v))
#define __this_cpu_inc(pcp)	__this_cpu_add(pcp, 1)
#define __this_cpu_dec(pcp)	__this_cpu_sub(pcp, 1)
#define __this_cpu_add_return(pcp, v) (*this_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_sub_return(pcp, v) (*this_cpu_ptr(&(pcp)) -= (v))
#define __this_cpu_inc_return(pcp) __this_cpu_add_return(pcp, 1)
#define __this_cpu_dec_return(pcp) __this_cpu_sub_return(pcp, 1)
#define __this_cpu_xchg(pcp, n)	__shim_cpu_xchg(this_cpu_ptr(&(pcp)), n)
#define __this_cpu_cmpxchg(pcp, o, n) \
	__shim_cpu_cmpxchg(this_cpu_ptr(&(pcp)), o, n)

#endif /* _LINUX_PERCPU_H */
