/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_CMPXCHG_H
#define _ASM_CMPXCHG_H

#include <linux/compiler.h>

/* Fully ordered, returning the value found, as the kernel's are. */
#define cmpxchg(ptr, old, new) ({					\
	typeof(*(ptr)) __old = (old);					\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), &__old, (new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__old;								\
})

#define __shim_cmpxchg_order(ptr, old, new, order) ({			\
	typeof(*(ptr)) __old = (old);					\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), &__old, (new), false,	\
				    order, __ATOMIC_RELAXED);		\
	__old;								\
})
#define cmpxchg_relaxed(p, o, n)	__shim_cmpxchg_order(p, o, n, __ATOMIC_RELAXED)
#define cmpxchg_acquire(p, o, n)	__shim_cmpxchg_order(p, o, n, __ATOMIC_ACQUIRE)
#define cmpxchg_release(p, o, n)	__shim_cmpxchg_order(p, o, n, __ATOMIC_RELEASE)
#define cmpxchg64(p, o, n)		cmpxchg(p, o, n)
#define cmpxchg_local(p, o, n)		cmpxchg(p, o, n)
#define cmpxchg64_local(p, o, n)	cmpxchg(p, o, n)
#define sync_cmpxchg(p, o, n)		cmpxchg(p, o, n)

/* Updates *oldp with the value found when it fails. */
#define try_cmpxchg(ptr, oldp, new) ({					\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), (oldp), (new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
})
#define try_cmpxchg_relaxed(ptr, oldp, new) ({				\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), (oldp), (new), false,	\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED); \
})
#define try_cmpxchg_acquire(ptr, oldp, new) ({				\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), (oldp), (new), false,	\
				    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED); \
})
#define try_cmpxchg_release(ptr, oldp, new) ({				\
	shim_sched_point(SP_CMPXCHG, (ptr));				\
	__atomic_compare_exchange_n((ptr), (oldp), (new), false,	\
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED); \
})

#define xchg(ptr, v) ({							\
	shim_sched_point(SP_XCHG, (ptr));				\
	__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST);		\
})
#define xchg_relaxed(ptr, v) ({						\
	shim_sched_point(SP_XCHG, (ptr));				\
	__atomic_exchange_n((ptr), (v), __ATOMIC_RELAXED);		\
})
#define xchg_acquire(ptr, v) ({						\
	shim_sched_point(SP_XCHG, (ptr));				\
	__atomic_exchange_n((ptr), (v), __ATOMIC_ACQUIRE);		\
})
#define xchg_release(ptr, v) ({						\
	shim_sched_point(SP_XCHG, (ptr));				\
	__atomic_exchange_n((ptr), (v), __ATOMIC_RELEASE);		\
})

#endif /* _ASM_CMPXCHG_H */
