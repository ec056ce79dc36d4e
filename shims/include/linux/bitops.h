/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_BITOPS_H
#define _LINUX_BITOPS_H

#include <linux/types.h>
#include <linux/bits.h>
#include <asm/barrier.h>

#define BITS_TO_LONGS(nr)	DIV_ROUND_UP_BITS(nr, BITS_PER_LONG)
#define DIV_ROUND_UP_BITS(n, d)	(((n) + (d) - 1) / (d))

/* @fn (an __atomic builtin) of @mask on the word of bit @nr: the old word */
#define __shim_bit_rmw(fn, nr, addr, mask, order) ({			\
	volatile unsigned long *__bw = (addr) + BIT_WORD(nr);		\
	shim_sched_point(SP_BITOP, __bw);				\
	__shim_rmw(__bw, (order), fn(__bw, (mask), (order)));		\
})

/* Atomic bitops: relaxed when they return nothing, fully ordered otherwise. */
static inline void set_bit(long nr, volatile unsigned long *addr)
{
	__shim_bit_rmw(__atomic_fetch_or, nr, addr, BIT_MASK(nr),
		       __ATOMIC_RELAXED);
}

static inline void clear_bit(long nr, volatile unsigned long *addr)
{
	__shim_bit_rmw(__atomic_fetch_and, nr, addr, ~BIT_MASK(nr),
		       __ATOMIC_RELAXED);
}

static inline void change_bit(long nr, volatile unsigned long *addr)
{
	__shim_bit_rmw(__atomic_fetch_xor, nr, addr, BIT_MASK(nr),
		       __ATOMIC_RELAXED);
}

static inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{
	return __shim_bit_rmw(__atomic_fetch_or, nr, addr, BIT_MASK(nr),
			      __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	return __shim_bit_rmw(__atomic_fetch_and, nr, addr, ~BIT_MASK(nr),
			      __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_change_bit(long nr, volatile unsigned long *addr)
{
	return __shim_bit_rmw(__atomic_fetch_xor, nr, addr, BIT_MASK(nr),
			      __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_set_bit_lock(long nr, volatile unsigned long *addr)
{
	return __shim_bit_rmw(__atomic_fetch_or, nr, addr, BIT_MASK(nr),
			      __ATOMIC_ACQUIRE) & BIT_MASK(nr);
}

static inline void clear_bit_unlock(long nr, volatile unsigned long *addr)
{
	__shim_bit_rmw(__atomic_fetch_and, nr, addr, ~BIT_MASK(nr),
		       __ATOMIC_RELEASE);
}

static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return 1UL & (__shim_load(addr + BIT_WORD(nr), __ATOMIC_RELAXED) >>
		      (nr & (BITS_PER_LONG - 1)));
}

/* test_bit() ordered before what follows: pairs with clear_bit_unlock() */
static inline bool test_bit_acquire(long nr, const volatile unsigned long *addr)
{
	shim_sched_point(SP_BITOP, addr);
	return 1UL & (__shim_load(addr + BIT_WORD(nr), __ATOMIC_ACQUIRE) >>
		      (nr & (BITS_PER_LONG - 1)));
}

/* Non-atomic versions: the caller owns the word. */
static inline void __set_bit(long nr, volatile unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void __clear_bit(long nr, volatile unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

static inline void __change_bit(long nr, volatile unsigned long *addr)
{
	addr[BIT_WORD(nr)] ^= BIT_MASK(nr);
}

static inline bool __test_and_set_bit(long nr, volatile unsigned long *addr)
{
	bool old = addr[BIT_WORD(nr)] & BIT_MASK(nr);

	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
	return old;
}

static inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	bool old = addr[BIT_WORD(nr)] & BIT_MASK(nr);

	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
	return old;
}

static inline void __clear_bit_unlock(long nr, volatile unsigned long *addr)
{
	clear_bit_unlock(nr, addr);
}

static inline unsigned long __ffs(unsigned long word)
{
	return __builtin_ctzl(word);
}

static inline unsigned long ffz(unsigned long word)
{
	return __builtin_ctzl(~word);
}

static inline int ffs(int x)
{
	return __builtin_ffs(x);
}

static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline unsigned long __fls(unsigned long word)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(word);
}

static inline unsigned int hweight32(unsigned int w)
{
	return __builtin_popcount(w);
}

static inline unsigned long hweight64(u64 w)
{
	return __builtin_popcountll(w);
}

static inline unsigned long hweight_long(unsigned long w)
{
	return __builtin_popcountl(w);
}

static inline int get_count_order(unsigned int count)
{
	return count ? fls(count - 1) : -1;
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset);
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset);
unsigned long find_last_bit(const unsigned long *addr, unsigned long size);

static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

static inline unsigned long find_first_zero_bit(const unsigned long *addr,
						unsigned long size)
{
	return find_next_zero_bit(addr, size, 0);
}

#define for_each_set_bit(bit, addr, size)				\
	for ((bit) = find_first_bit((addr), (size));			\
	     (bit) < (size);						\
	     (bit) = find_next_bit((addr), (size), (bit) + 1))

#define for_each_clear_bit(bit, addr, size)				\
	for ((bit) = find_first_zero_bit((addr), (size));		\
	     (bit) < (size);						\
	     (bit) = find_next_zero_bit((addr), (size), (bit) + 1))

#endif /* _LINUX_BITOPS_H */
