/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_CPUMASK_H
#define _LINUX_CPUMASK_H

#include <linux/types.h>
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/threads.h>

typedef struct cpumask {
	DECLARE_BITMAP(bits, NR_CPUS);
} cpumask_t;

typedef struct cpumask cpumask_var_t[1];

extern unsigned int nr_cpu_ids SHIM_HIDDEN;
extern struct cpumask __cpu_possible_mask SHIM_HIDDEN;
extern struct cpumask __cpu_online_mask SHIM_HIDDEN;
extern struct cpumask __cpu_present_mask SHIM_HIDDEN;
extern struct cpumask __cpu_active_mask SHIM_HIDDEN;
extern const unsigned long shim_cpu_bit_bitmap[NR_CPUS][BITS_TO_LONGS(NR_CPUS)] SHIM_HIDDEN;

#define cpu_possible_mask	((const struct cpumask *)&__cpu_possible_mask)
#define cpu_online_mask		((const struct cpumask *)&__cpu_online_mask)
#define cpu_present_mask	((const struct cpumask *)&__cpu_present_mask)
#define cpu_active_mask		((const struct cpumask *)&__cpu_active_mask)

#define cpumask_bits(maskp)	((maskp)->bits)
#define nr_cpumask_bits		nr_cpu_ids
#define CPU_BITS_NONE		{ [0 ... BITS_TO_LONGS(NR_CPUS) - 1] = 0UL }
#define CPU_MASK_NONE		((cpumask_t){ CPU_BITS_NONE })

/* As with CONFIG_DEBUG_PER_CPU_MAPS: a CPU number out of range is a bug. */
static inline unsigned int cpumask_check(unsigned int cpu)
{
	WARN_ON_ONCE(cpu >= nr_cpumask_bits);
	return cpu;
}

static inline void cpumask_set_cpu(unsigned int cpu, struct cpumask *dstp)
{
	set_bit(cpumask_check(cpu), cpumask_bits(dstp));
}

static inline void __cpumask_set_cpu(unsigned int cpu, struct cpumask *dstp)
{
	__set_bit(cpumask_check(cpu), cpumask_bits(dstp));
}

static inline void cpumask_clear_cpu(int cpu, struct cpumask *dstp)
{
	clear_bit(cpumask_check(cpu), cpumask_bits(dstp));
}

static inline void __cpumask_clear_cpu(int cpu, struct cpumask *dstp)
{
	__clear_bit(cpumask_check(cpu), cpumask_bits(dstp));
}

static inline bool cpumask_test_cpu(int cpu, const struct cpumask *cpumask)
{
	return test_bit(cpumask_check(cpu), cpumask_bits(cpumask));
}

static inline bool cpumask_test_and_set_cpu(int cpu, struct cpumask *cpumask)
{
	return test_and_set_bit(cpumask_check(cpu), cpumask_bits(cpumask));
}

static inline bool cpumask_test_and_clear_cpu(int cpu, struct cpumask *cpumask)
{
	return test_and_clear_bit(cpumask_check(cpu), cpumask_bits(cpumask));
}

static inline unsigned int cpumask_first(const struct cpumask *srcp)
{
	return find_first_bit(cpumask_bits(srcp), nr_cpumask_bits);
}

/* The next set CPU after @n; @n == -1 starts at the beginning. */
static inline unsigned int cpumask_next(int n, const struct cpumask *srcp)
{
	if (n != -1)
		cpumask_check(n);
	return find_next_bit(cpumask_bits(srcp), nr_cpumask_bits, n + 1);
}

static inline unsigned int cpumask_next_zero(int n, const struct cpumask *srcp)
{
	if (n != -1)
		cpumask_check(n);
	return find_next_zero_bit(cpumask_bits(srcp), nr_cpumask_bits, n + 1);
}

static inline unsigned int cpumask_last(const struct cpumask *srcp)
{
	return find_last_bit(cpumask_bits(srcp), nr_cpumask_bits);
}

static inline unsigned int cpumask_weight(const struct cpumask *srcp)
{
	return bitmap_weight(cpumask_bits(srcp), nr_cpumask_bits);
}

static inline void cpumask_clear(struct cpumask *dstp)
{
	bitmap_zero(cpumask_bits(dstp), nr_cpumask_bits);
}

static inline void cpumask_setall(struct cpumask *dstp)
{
	bitmap_fill(cpumask_bits(dstp), nr_cpumask_bits);
}

static inline void cpumask_copy(struct cpumask *dstp, const struct cpumask *srcp)
{
	bitmap_copy(cpumask_bits(dstp), cpumask_bits(srcp), nr_cpumask_bits);
}

static inline bool cpumask_empty(const struct cpumask *srcp)
{
	return bitmap_empty(cpumask_bits(srcp), nr_cpumask_bits);
}

static inline bool cpumask_full(const struct cpumask *srcp)
{
	return bitmap_full(cpumask_bits(srcp), nr_cpumask_bits);
}

static inline bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	return bitmap_equal(cpumask_bits(a), cpumask_bits(b), nr_cpumask_bits);
}

static inline bool cpumask_and(struct cpumask *dstp, const struct cpumask *a,
			       const struct cpumask *b)
{
	return bitmap_and(cpumask_bits(dstp), cpumask_bits(a), cpumask_bits(b),
			  nr_cpumask_bits);
}

static inline void cpumask_or(struct cpumask *dstp, const struct cpumask *a,
			      const struct cpumask *b)
{
	bitmap_or(cpumask_bits(dstp), cpumask_bits(a), cpumask_bits(b),
		  nr_cpumask_bits);
}

static inline const struct cpumask *cpumask_of(unsigned int cpu)
{
	return (const struct cpumask *)shim_cpu_bit_bitmap[cpumask_check(cpu)];
}

static inline bool cpumask_andnot(struct cpumask *dstp, const struct cpumask *a,
				  const struct cpumask *b)
{
	return bitmap_andnot(cpumask_bits(dstp), cpumask_bits(a),
			     cpumask_bits(b), nr_cpumask_bits);
}

static inline void cpumask_xor(struct cpumask *dstp, const struct cpumask *a,
			       const struct cpumask *b)
{
	bitmap_xor(cpumask_bits(dstp), cpumask_bits(a), cpumask_bits(b),
		   nr_cpumask_bits);
}

static inline void cpumask_complement(struct cpumask *dstp,
				      const struct cpumask *srcp)
{
	bitmap_complement(cpumask_bits(dstp), cpumask_bits(srcp),
			  nr_cpumask_bits);
}

static inline bool cpumask_intersects(const struct cpumask *a,
				      const struct cpumask *b)
{
	return bitmap_intersects(cpumask_bits(a), cpumask_bits(b),
				 nr_cpumask_bits);
}

static inline bool cpumask_subset(const struct cpumask *a,
				  const struct cpumask *b)
{
	return bitmap_subset(cpumask_bits(a), cpumask_bits(b), nr_cpumask_bits);
}

/* The next CPU after @n set in both masks. */
static inline unsigned int cpumask_next_and(int n, const struct cpumask *a,
					    const struct cpumask *b)
{
	while ((n = cpumask_next(n, a)) < (int)nr_cpu_ids)
		if (cpumask_test_cpu(n, b))
			break;
	return n;
}

static inline unsigned int cpumask_first_and(const struct cpumask *a,
					     const struct cpumask *b)
{
	return cpumask_next_and(-1, a, b);
}

#define cpumask_any(srcp)	cpumask_first(srcp)
#define cpumask_any_and(a, b)	cpumask_first_and(a, b)

#define for_each_cpu_and(cpu, a, b)					\
	for ((cpu) = -1;						\
	     (cpu) = cpumask_next_and((cpu), (a), (b)),			\
	     (cpu) < nr_cpu_ids;)
#define for_each_cpu_andnot(cpu, a, b)					\
	for ((cpu) = -1;						\
	     (cpu) = cpumask_next((cpu), (a)),				\
	     (cpu) < nr_cpu_ids;)					\
		if (cpumask_test_cpu((cpu), (b))) continue; else

#define for_each_cpu(cpu, mask)						\
	for ((cpu) = -1;						\
	     (cpu) = cpumask_next((cpu), (mask)),			\
	     (cpu) < nr_cpu_ids;)

#define for_each_cpu_not(cpu, mask)					\
	for ((cpu) = -1;						\
	     (cpu) = cpumask_next_zero((cpu), (mask)),			\
	     (cpu) < nr_cpu_ids;)

#define for_each_possible_cpu(cpu)	for_each_cpu((cpu), cpu_possible_mask)
#define for_each_online_cpu(cpu)	for_each_cpu((cpu), cpu_online_mask)
#define for_each_present_cpu(cpu)	for_each_cpu((cpu), cpu_present_mask)

#define num_online_cpus()	cpumask_weight(cpu_online_mask)
#define num_possible_cpus()	cpumask_weight(cpu_possible_mask)
#define num_present_cpus()	cpumask_weight(cpu_present_mask)
#define cpu_online(cpu)		cpumask_test_cpu((cpu), cpu_online_mask)
#define cpu_possible(cpu)	cpumask_test_cpu((cpu), cpu_possible_mask)
#define cpu_present(cpu)	cpumask_test_cpu((cpu), cpu_present_mask)
#define cpu_active(cpu)		cpumask_test_cpu((cpu), cpu_active_mask)

static inline bool alloc_cpumask_var(cpumask_var_t *mask, gfp_t flags)
{
	return true;
}

static inline bool zalloc_cpumask_var(cpumask_var_t *mask, gfp_t flags)
{
	cpumask_clear(*mask);
	return true;
}

static inline void free_cpumask_var(cpumask_var_t mask)
{
}

#endif /* _LINUX_CPUMASK_H */
