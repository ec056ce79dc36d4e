/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

/* the kernel's build force-includes kconfig.h in every file: so do we */
#include <linux/kconfig.h>
#include <shim/runtime.h>

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")

#undef __always_inline
#define __always_inline		inline __attribute__((always_inline))
#define noinline		__attribute__((noinline))
#define __noreturn		__attribute__((noreturn))
#define __must_check		__attribute__((warn_unused_result))
#define __maybe_unused		__attribute__((unused))
#define __always_unused		__attribute__((unused))
#define __used			__attribute__((used))
#define __aligned(x)		__attribute__((aligned(x)))
#define __packed		__attribute__((packed))
#define __weak			__attribute__((weak))
#define __pure			__attribute__((pure))
#define __cold			__attribute__((cold))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __visible
#define notrace
#define __user
#define __kernel
#define __iomem
#define __rcu
#define __force
#define __bitwise
#define __percpu
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __cond_lock(x, c)	(c)
#define __read_mostly
#define __ro_after_init
#define __init
#define __exit
#define __initdata
#define __exitdata
#define __devinit
#define __cpuinit
#define __ref
#define __sched
#define __lockfunc
#define fallthrough		__attribute__((__fallthrough__))

#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))
#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)
#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON: " #cond)
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)

#define _RET_IP_		((unsigned long)__builtin_return_address(0))
#define _THIS_IP_		({ __label__ __here; __here: (unsigned long)&&__here; })

/*
 * READ_ONCE/WRITE_ONCE as relaxed atomics: the same code on x86, and TSan
 * sees a marked access rather than a data race.  They are scheduling points
 * only through the primitives around them, as in the kernel.
 * data_race() marks a read as intentionally racy (a statistic, a hint), as
 * KCSAN's does.
 */
#ifdef __SANITIZE_THREAD__
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define data_race(expr) ({						\
	typeof(expr) __v;						\
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__);			\
	__v = (expr);							\
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__);			\
	__v;								\
})
#else
#define data_race(expr)		({ typeof(expr) __v; __v = (expr); __v; })
#endif

/*
 * The kernel's ordering, told to ThreadSanitizer (SAN=thread).  TSan orders
 * accesses through one location (an acquire that reads a release) but
 * ignores standalone fences, so smp_wmb() ... smp_rmb() pairs were
 * invisible to it.  In kernel code under TSan, marked accesses are relaxed
 * and shims/tsan_fence.c emulates the barriers: a release fence publishes
 * the task's history, a marked store carries the task's last release, a
 * marked load notes what the store it read carries, and the next acquire
 * fence (or the load itself, if an acquire) takes it.  A missing barrier is
 * then a data race report.  Value-returning read-modify-writes are fences
 * on both sides, as the kernel's are; pointer loads stay acquires (the
 * address dependency rcu_dereference() relies on).  The runtime keeps
 * acquire/release marked accesses: it is not the code under test.
 */
#if defined(__SANITIZE_THREAD__) && !defined(SHIM_RUNTIME)
void shim_fence_release(void);
void shim_fence_acquire(void);
void shim_fence_begin(const volatile void *p, int kinds);
void shim_fence_end(const volatile void *p, int kinds, int acquire);
#define __ONCE_LOAD(x)	(__builtin_classify_type(x) == 5 ?		\
			 __ATOMIC_ACQUIRE : __ATOMIC_RELAXED)
#define __ONCE_STORE	__ATOMIC_RELAXED
/*
 * Around an access of @p with @order that loads (@kinds & 1), stores (& 2)
 * or both: before it, its release half; after it, its acquire half.  The
 * record and the note of the access are made in between, atomically with
 * it, so that a load finds the record of the very store it read.
 */
#define __shim_order_before(p, order, kinds) do {			\
	if ((order) == __ATOMIC_SEQ_CST)				\
		shim_fence_acquire();					\
	if ((order) >= __ATOMIC_RELEASE)				\
		shim_fence_release();					\
	shim_fence_begin((p), (kinds));					\
} while (0)
#define __shim_order_after(p, order, kinds) do {			\
	shim_fence_end((p), (kinds), (order) == __ATOMIC_ACQUIRE ||	\
				     (order) == __ATOMIC_ACQ_REL);	\
	if ((order) == __ATOMIC_SEQ_CST)				\
		__shim_order_fence(__ATOMIC_SEQ_CST);			\
} while (0)
/* a fence: acquire what was read before it, then publish the task's history */
#define __shim_order_fence(order) do {					\
	if ((order) == __ATOMIC_ACQUIRE || (order) == __ATOMIC_SEQ_CST)	\
		shim_fence_acquire();					\
	if ((order) == __ATOMIC_RELEASE || (order) == __ATOMIC_SEQ_CST)	\
		shim_fence_release();					\
} while (0)
#else
#ifdef __SANITIZE_THREAD__
#define __ONCE_LOAD(x)		__ATOMIC_ACQUIRE
#define __ONCE_STORE		__ATOMIC_RELEASE
#else
#define __ONCE_LOAD(x)		__ATOMIC_RELAXED
#define __ONCE_STORE		__ATOMIC_RELAXED
#endif
#define __shim_order_before(p, order, kinds)	do { } while (0)
#define __shim_order_after(p, order, kinds)	do { } while (0)
#define __shim_order_fence(order)		do { } while (0)
#endif
/*
 * Marked loads, stores and read-modify-writes of @p, with the hooks above.
 * @expr (the read-modify-write on @p) must not evaluate a marked access of
 * its own: the caller computes its operands first.
 */
#define __shim_load(p, order) ({					\
	__shim_order_before((p), (order), 1);				\
	typeof(*(p)) __shim_ld = __atomic_load_n((p), (order));		\
	__shim_order_after((p), (order), 1);				\
	__shim_ld;							\
})
#define __shim_store(p, v, order) do {					\
	typeof(p) __shim_sp = (p);					\
	typeof(*(p)) __shim_sv = (v);					\
	__shim_order_before(__shim_sp, (order), 2);			\
	__atomic_store_n(__shim_sp, __shim_sv, (order));		\
	__shim_order_after(__shim_sp, (order), 2);			\
} while (0)
#define __shim_rmw(p, order, expr) ({					\
	__shim_order_before((p), (order), 3);				\
	typeof(expr) __shim_rmw_v = (expr);				\
	__shim_order_after((p), (order), 3);				\
	__shim_rmw_v;							\
})

/*
 * The type of @x without its qualifiers: the value of a conditional is an
 * rvalue, unqualified (pointers and aggregates); _Generic names the integer
 * types, whose promotion would otherwise change them.
 */
#define __unqual_scalar_typeof(x) typeof(				\
	_Generic((x),							\
		 char: (char)0,						\
		 signed char: (signed char)0, unsigned char: (unsigned char)0, \
		 short: (short)0, unsigned short: (unsigned short)0,	\
		 int: (int)0, unsigned int: (unsigned int)0,		\
		 long: (long)0, unsigned long: (unsigned long)0,	\
		 long long: (long long)0,				\
		 unsigned long long: (unsigned long long)0,		\
		 _Bool: (_Bool)0,					\
		 default: (0 ? (x) : (x))))

/* one access of 1, 2, 4 or 8 bytes, as the kernel's rwonce checks demand */
#define __once_check(x)							\
	_Static_assert(sizeof(x) == 1 || sizeof(x) == 2 ||		\
		       sizeof(x) == 4 || sizeof(x) == 8,		\
		       "READ_ONCE/WRITE_ONCE of a size the CPU cannot access at once")
/*
 * With delay injection on, the threaded engine may delay, preempt, migrate
 * or interrupt kernel code at a marked access too, not only at the locking
 * and atomic primitives.  The runtime and the harness (SHIM_RUNTIME) are
 * not kernel code under test: their marked accesses are no such points.
 */
extern void (*shim_once_hook)(enum shim_point point, const volatile void *obj)
	SHIM_HIDDEN;
void shim_once_nop(enum shim_point point, const volatile void *obj);
#ifdef SHIM_RUNTIME
#define __shim_once_point(point, x)	do { } while (0)
#elif defined(__NO_INLINE__)
/* the gcov build: a call, and no branch of ours on the caller's line */
#define __shim_once_point(point, x)					\
	__atomic_load_n(&shim_once_hook, __ATOMIC_RELAXED)((point), &(x))
#else
#define __shim_once_point(point, x) do {				\
	void (*__oh)(enum shim_point, const volatile void *) =		\
		__atomic_load_n(&shim_once_hook, __ATOMIC_RELAXED);	\
	if (__builtin_expect(__oh != shim_once_nop, 0))			\
		__oh((point), &(x));					\
} while (0)
#endif
#define READ_ONCE(x) ({							\
	__unqual_scalar_typeof(x) __ro;					\
	__once_check(x);						\
	__shim_once_point(SP_READ, x);					\
	__shim_order_before(&(x), __ONCE_LOAD(x), 1);			\
	__atomic_load(&(x), &__ro, __ONCE_LOAD(x));			\
	__shim_order_after(&(x), __ONCE_LOAD(x), 1);			\
	__ro;								\
})
#define WRITE_ONCE(x, val) do {						\
	__unqual_scalar_typeof(x) __wo = (val);				\
	__once_check(x);						\
	__shim_once_point(SP_WRITE, x);					\
	__shim_order_before(&(x), __ONCE_STORE, 2);			\
	__atomic_store(&(x), &__wo, __ONCE_STORE);			\
	__shim_order_after(&(x), __ONCE_STORE, 2);			\
} while (0)
#define ACCESS_ONCE(x)		(*(volatile typeof(x) *)&(x))

#endif /* _LINUX_COMPILER_H */
