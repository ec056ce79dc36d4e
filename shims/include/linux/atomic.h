/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/cmpxchg.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

/* @fn (an __atomic builtin) of @i on @v's counter, with @order */
#define __shim_atomic_op(v, fn, i, order)				\
	__shim_rmw(&(v)->counter, (order), fn(&(v)->counter, (i), (order)))

/*
 * One set of operations per type.  Operations that return a value are fully
 * ordered; those that return nothing are relaxed, as the kernel documents.
 */
#define SHIM_ATOMIC_OPS(pfx, atype, vtype)				\
static inline vtype pfx##_read(const atype *v)				\
{									\
	return __shim_load(&v->counter, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_set(atype *v, vtype i)				\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_store(&v->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline vtype pfx##_read_acquire(const atype *v)			\
{									\
	return __shim_load(&v->counter, __ATOMIC_ACQUIRE);		\
}									\
static inline void pfx##_set_release(atype *v, vtype i)		\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_store(&v->counter, i, __ATOMIC_RELEASE);		\
}									\
static inline void pfx##_add(vtype i, atype *v)				\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_atomic_op(v, __atomic_fetch_add, i, __ATOMIC_RELAXED);	\
}									\
static inline void pfx##_sub(vtype i, atype *v)				\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_atomic_op(v, __atomic_fetch_sub, i, __ATOMIC_RELAXED);	\
}									\
static inline void pfx##_inc(atype *v)					\
{									\
	pfx##_add(1, v);						\
}									\
static inline void pfx##_dec(atype *v)					\
{									\
	pfx##_sub(1, v);						\
}									\
static inline void pfx##_and(vtype i, atype *v)				\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_atomic_op(v, __atomic_fetch_and, i, __ATOMIC_RELAXED);	\
}									\
static inline void pfx##_andnot(vtype i, atype *v)			\
{									\
	pfx##_and(~i, v);						\
}									\
static inline void pfx##_or(vtype i, atype *v)				\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	__shim_atomic_op(v, __atomic_fetch_or, i, __ATOMIC_RELAXED);	\
}									\
static inline vtype pfx##_add_return(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_add_fetch, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_sub_return(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_sub_fetch, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_fetch_add(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_fetch_add, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_fetch_sub(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_fetch_sub, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_fetch_or(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_fetch_or, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_fetch_and(vtype i, atype *v)			\
{									\
	shim_sched_point(SP_ATOMIC, v);					\
	return __shim_atomic_op(v, __atomic_fetch_and, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_fetch_andnot(vtype i, atype *v)		\
{									\
	return pfx##_fetch_and(~i, v);					\
}									\
static inline vtype pfx##_inc_return(atype *v)				\
{									\
	return pfx##_add_return(1, v);					\
}									\
static inline vtype pfx##_dec_return(atype *v)				\
{									\
	return pfx##_sub_return(1, v);					\
}									\
static inline bool pfx##_dec_and_test(atype *v)				\
{									\
	return pfx##_sub_return(1, v) == 0;				\
}									\
static inline bool pfx##_inc_and_test(atype *v)				\
{									\
	return pfx##_add_return(1, v) == 0;				\
}									\
static inline bool pfx##_sub_and_test(vtype i, atype *v)		\
{									\
	return pfx##_sub_return(i, v) == 0;				\
}									\
static inline vtype pfx##_xchg(atype *v, vtype n)			\
{									\
	return xchg(&v->counter, n);					\
}									\
static inline vtype pfx##_cmpxchg(atype *v, vtype o, vtype n)		\
{									\
	return cmpxchg(&v->counter, o, n);				\
}									\
static inline bool pfx##_try_cmpxchg(atype *v, vtype *o, vtype n)	\
{									\
	return try_cmpxchg(&v->counter, o, n);				\
}									\
static inline bool pfx##_add_unless(atype *v, vtype a, vtype u)	\
{									\
	vtype c = pfx##_read(v);					\
									\
	do {								\
		if (c == u)						\
			return false;					\
	} while (!pfx##_try_cmpxchg(v, &c, c + a));			\
	return true;							\
}									\
static inline bool pfx##_inc_not_zero(atype *v)				\
{									\
	return pfx##_add_unless(v, 1, 0);				\
}

SHIM_ATOMIC_OPS(atomic, atomic_t, int)
SHIM_ATOMIC_OPS(atomic_long, atomic_long_t, long)
SHIM_ATOMIC_OPS(atomic64, atomic64_t, s64)

#define atomic_cmpxchg_relaxed	atomic_cmpxchg

/* Decrement unless that would go below zero; the old value minus one either way. */
#define SHIM_DEC_IF_POSITIVE(pfx, atype, vtype)				\
static inline vtype pfx##_dec_if_positive(atype *v)			\
{									\
	vtype c = pfx##_read(v);					\
									\
	do {								\
		if (c <= 0)						\
			return c - 1;					\
	} while (!pfx##_try_cmpxchg(v, &c, c - 1));			\
	return c - 1;							\
}
SHIM_DEC_IF_POSITIVE(atomic, atomic_t, int)
SHIM_DEC_IF_POSITIVE(atomic_long, atomic_long_t, long)
SHIM_DEC_IF_POSITIVE(atomic64, atomic64_t, s64)
#define atomic_fetch_add_unless(v, a, u) ({				\
	int __c = atomic_read(v);					\
	while (__c != (u) && !atomic_try_cmpxchg(v, &__c, __c + (a)))	\
		;							\
	__c;								\
})

#endif /* _LINUX_ATOMIC_H */
