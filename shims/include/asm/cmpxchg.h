/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_CMPXCHG_H
#define _ASM_CMPXCHG_H

#include <linux/compiler.h>

/*
 * Compare-and-exchange of *@ptr with @order on success (the kernel's plain
 * cmpxchg() is fully ordered: SEQ_CST), relaxed on failure; it updates
 * *@oldp with the value found when it fails.
 */
#define __shim_try_cmpxchg(ptr, oldp, new, order) ({			\
	typeof(ptr) __cp = (ptr);					\
	typeof(*(ptr)) *__co = (oldp), __cn = (new);			\
	shim_sched_point(SP_CMPXCHG, __cp);				\
	__shim_rmw(__cp, (order),					\
		   __atomic_compare_exchange_n(__cp, __co, __cn, false,	\
					       (order), __ATOMIC_RELAXED)); \
})
/* ... and returning the value found, as cmpxchg() does */
#define __shim_cmpxchg(ptr, old, new, order) ({				\
	typeof(*(ptr)) __old = (old);					\
	__shim_try_cmpxchg((ptr), &__old, (new), (order));		\
	__old;								\
})

#define cmpxchg(p, o, n)		__shim_cmpxchg(p, o, n, __ATOMIC_SEQ_CST)
#define cmpxchg_relaxed(p, o, n)	__shim_cmpxchg(p, o, n, __ATOMIC_RELAXED)
#define cmpxchg_acquire(p, o, n)	__shim_cmpxchg(p, o, n, __ATOMIC_ACQUIRE)
#define cmpxchg_release(p, o, n)	__shim_cmpxchg(p, o, n, __ATOMIC_RELEASE)
#define cmpxchg64(p, o, n)		cmpxchg(p, o, n)
#define cmpxchg_local(p, o, n)		cmpxchg(p, o, n)
#define cmpxchg64_local(p, o, n)	cmpxchg(p, o, n)
#define sync_cmpxchg(p, o, n)		cmpxchg(p, o, n)

#define try_cmpxchg(p, o, n)		__shim_try_cmpxchg(p, o, n, __ATOMIC_SEQ_CST)
#define try_cmpxchg_relaxed(p, o, n) __shim_try_cmpxchg(p, o, n, __ATOMIC_RELAXED)
#define try_cmpxchg_acquire(p, o, n) __shim_try_cmpxchg(p, o, n, __ATOMIC_ACQUIRE)
#define try_cmpxchg_release(p, o, n) __shim_try_cmpxchg(p, o, n, __ATOMIC_RELEASE)

#define __shim_xchg(ptr, v, order) ({					\
	typeof(ptr) __xp = (ptr);					\
	typeof(*(ptr)) __xv = (v);					\
	shim_sched_point(SP_XCHG, __xp);				\
	__shim_rmw(__xp, (order), __atomic_exchange_n(__xp, __xv, (order))); \
})
#define xchg(p, v)			__shim_xchg(p, v, __ATOMIC_SEQ_CST)
#define xchg_relaxed(p, v)		__shim_xchg(p, v, __ATOMIC_RELAXED)
#define xchg_acquire(p, v)		__shim_xchg(p, v, __ATOMIC_ACQUIRE)
#define xchg_release(p, v)		__shim_xchg(p, v, __ATOMIC_RELEASE)

#endif /* _ASM_CMPXCHG_H */
