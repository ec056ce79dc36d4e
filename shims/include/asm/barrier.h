/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_BARRIER_H
#define _ASM_BARRIER_H

#include <linux/compiler.h>

/*
 * Every barrier is a __atomic fence, so the sanitizers see the ordering the
 * code asks for, and a scheduling point, so the engines can interleave there.
 */
#define __shim_fence(order) do {					\
	shim_sched_point(SP_BARRIER, NULL);				\
	__atomic_thread_fence(order);					\
	__shim_order_fence(order);					\
} while (0)

#define mb()			__shim_fence(__ATOMIC_SEQ_CST)
#define rmb()			__shim_fence(__ATOMIC_ACQUIRE)
#define wmb()			__shim_fence(__ATOMIC_RELEASE)
#define smp_mb()		mb()
#define smp_rmb()		rmb()
#define smp_wmb()		wmb()
#define smp_mb__before_atomic()	mb()
#define smp_mb__after_atomic()	mb()
#define smp_mb__before_clear_bit() mb()
#define smp_mb__after_clear_bit() mb()
#define smp_mb__after_spinlock() mb()
#define smp_mb__before_spinlock() mb()
#define smp_read_barrier_depends() do { } while (0)
#define set_mb(var, value)	do { WRITE_ONCE(var, value); mb(); } while (0)
#define smp_store_mb(var, value) set_mb(var, value)

#define smp_load_acquire(p) ({						\
	shim_sched_point(SP_BARRIER, (p));				\
	__shim_load((p), __ATOMIC_ACQUIRE);				\
})
#define smp_store_release(p, v) do {					\
	shim_sched_point(SP_BARRIER, (p));				\
	__shim_store((p), (v), __ATOMIC_RELEASE);			\
} while (0)

/*
 * Spin until @cond_expr, which reads the value loaded from @ptr as VAL, holds;
 * the last load is an acquire (for _acquire).  Each round is a relax point,
 * so the deterministic engine runs others while it waits.
 */
#define smp_cond_load_relaxed(ptr, cond_expr) ({			\
	typeof(ptr) __PTR = (ptr);					\
	typeof(*ptr) VAL;						\
	for (;;) {							\
		VAL = READ_ONCE(*__PTR);				\
		if (cond_expr)						\
			break;						\
		shim_sched_point(SP_RELAX, __PTR);			\
		__builtin_ia32_pause();					\
	}								\
	VAL;								\
})
#define smp_cond_load_acquire(ptr, cond_expr) ({			\
	typeof(*ptr) __val = smp_cond_load_relaxed(ptr, cond_expr);	\
	__atomic_thread_fence(__ATOMIC_ACQUIRE);			\
	__shim_order_fence(__ATOMIC_ACQUIRE);				\
	__val;								\
})
#define smp_acquire__after_ctrl_dep()	smp_rmb()

#endif /* _ASM_BARRIER_H */
