// SPDX-License-Identifier: GPL-2.0
/*
 * Plain loads and stores as scheduling points, for the deterministic engine.
 *
 * Each image carries a second copy of its allocator (symbols det_*), built
 * with GCC's ThreadSanitizer instrumentation but linked against these
 * definitions instead of libtsan: every load and store of shared memory calls
 * in here, and while the engine runs with memory points on, that call is a
 * scheduling point.  So a race between two sections that touch memory only
 * with plain accesses (a thief that skips the victim's lock) can be
 * interleaved access by access.  The threaded engine never runs this copy.
 *
 * READ_ONCE() and WRITE_ONCE() are relaxed atomic loads and stores here, so
 * those are points too; the read-modify-write atomics just do the operation,
 * the shims' own primitives around them being scheduling points already.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include "internal.h"

int shim_det_memory;
int shim_det_traced;


/*
 * Nobody's race: the running task's own fields and its current-task
 * pointer, the running fiber's own stack (the allocator's locals; the wait
 * queue entries there are shared, but the allocator reaches them only
 * through the runtime's wait functions, which are not instrumented), the
 * per-cpu offsets, and the runtime's words that every inline primitive
 * reads.
 */
static inline bool private_access(const volatile void *addr)
{
	uintptr_t a = (uintptr_t)addr, t = (uintptr_t)shim_current;

	return a - t < sizeof(struct task_struct) ||
	       a == (uintptr_t)&shim_current ||
	       a - shim_det_stack[0] < shim_det_stack[1] - shim_det_stack[0] ||
	       a - (uintptr_t)__per_cpu_offset < sizeof(__per_cpu_offset) ||
	       a - (uintptr_t)shim_lockdep_usage < sizeof(shim_lockdep_usage) ||
	       a == (uintptr_t)&nr_cpu_ids || a == (uintptr_t)&shim_sched_hook ||
	       a == (uintptr_t)&shim_once_hook ||
	       a == (uintptr_t)&shim_pcpu_static ||
	       a == (uintptr_t)&shim_kernel_dead;
}

/*
 * A point when memory points are on; for the reducing search, always a note
 * of what the running step touched (det_por.c).
 */
static inline void access_point(enum shim_point point, const volatile void *addr,
				size_t size)
{
	if (!shim_det_traced || private_access(addr))
		return;
	if (shim_det_memory)
		shim_sched_point(point, addr);
	shim_det_note(addr, size, point == SP_WRITE);
}

/* a read-modify-write: its primitive was the point, the store is noted */
static inline void rmw_note(const volatile void *addr, size_t size)
{
	if (shim_det_traced && !private_access(addr))
		shim_det_note(addr, size, true);
}

/* the det copy's memcpy, memmove and memset, renamed to these by objcopy */
void *shim_det_memcpy(void *dst, const void *src, size_t n)
{
	access_point(SP_READ, src, n);
	access_point(SP_WRITE, dst, n);
	return memcpy(dst, src, n);
}

void *shim_det_memmove(void *dst, const void *src, size_t n)
{
	access_point(SP_READ, src, n);
	access_point(SP_WRITE, dst, n);
	return memmove(dst, src, n);
}

void *shim_det_memset(void *dst, int c, size_t n)
{
	access_point(SP_WRITE, dst, n);
	return memset(dst, c, n);
}

/* under TSan proper these are libtsan's, and the copy is not instrumented */
#ifndef __SANITIZE_THREAD__
void __tsan_init(void)
{
}

#define ACCESS(n)							\
void __tsan_read##n(void *addr) { access_point(SP_READ, addr, n); }	\
void __tsan_write##n(void *addr) { access_point(SP_WRITE, addr, n); }	\
void __tsan_unaligned_read##n(void *addr) { access_point(SP_READ, addr, n); } \
void __tsan_unaligned_write##n(void *addr) { access_point(SP_WRITE, addr, n); } \
void __tsan_volatile_read##n(void *addr) { access_point(SP_READ, addr, n); } \
void __tsan_volatile_write##n(void *addr) { access_point(SP_WRITE, addr, n); } \
void __tsan_unaligned_volatile_read##n(void *addr) { access_point(SP_READ, addr, n); } \
void __tsan_unaligned_volatile_write##n(void *addr) { access_point(SP_WRITE, addr, n); }
ACCESS(1)
ACCESS(2)
ACCESS(4)
ACCESS(8)
ACCESS(16)

void __tsan_read_range(void *addr, unsigned long size)
{
	access_point(SP_READ, addr, size);
}

void __tsan_write_range(void *addr, unsigned long size)
{
	access_point(SP_WRITE, addr, size);
}

void __tsan_func_entry(void *pc)
{
}

void __tsan_func_exit(void)
{
}

#define MO __ATOMIC_SEQ_CST
#define ATOMICS(bits, type)						\
type __tsan_atomic##bits##_load(const volatile type *a, int mo)	\
{ access_point(SP_READ, a, bits / 8); return __atomic_load_n(a, MO); }		\
void __tsan_atomic##bits##_store(volatile type *a, type v, int mo)	\
{ access_point(SP_WRITE, a, bits / 8); __atomic_store_n(a, v, MO); }		\
type __tsan_atomic##bits##_exchange(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_exchange_n(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_add(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_fetch_add(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_sub(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_fetch_sub(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_and(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_fetch_and(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_or(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_fetch_or(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_xor(volatile type *a, type v, int mo)	\
{ rmw_note(a, bits / 8); return __atomic_fetch_xor(a, v, MO); }				\
type __tsan_atomic##bits##_fetch_nand(volatile type *a, type v, int mo) \
{ rmw_note(a, bits / 8); return __atomic_fetch_nand(a, v, MO); }				\
int __tsan_atomic##bits##_compare_exchange_strong(volatile type *a,	\
		type *c, type v, int mo, int fmo)			\
{ rmw_note(a, bits / 8); return __atomic_compare_exchange_n(a, c, v, false, MO, MO); }		\
int __tsan_atomic##bits##_compare_exchange_weak(volatile type *a,	\
		type *c, type v, int mo, int fmo)			\
{ rmw_note(a, bits / 8); return __atomic_compare_exchange_n(a, c, v, false, MO, MO); }		\
type __tsan_atomic##bits##_compare_exchange_val(volatile type *a,	\
		type c, type v, int mo, int fmo)			\
{ rmw_note(a, bits / 8); __atomic_compare_exchange_n(a, &c, v, false, MO, MO); return c; }
ATOMICS(8, uint8_t)
ATOMICS(16, uint16_t)
ATOMICS(32, uint32_t)
ATOMICS(64, uint64_t)

void __tsan_atomic_thread_fence(int mo)
{
	__atomic_thread_fence(MO);
}

void __tsan_atomic_signal_fence(int mo)
{
	__atomic_signal_fence(MO);
}
#endif /* !__SANITIZE_THREAD__ */
