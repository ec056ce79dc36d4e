/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness side of an image: the allocator adapter and the C loops that
 * drive it.  One image holds one allocator; these names are what the torture
 * loop and the Python side use, whatever the allocator is.
 */
#ifndef _SHIM_HARNESS_H
#define _SHIM_HARNESS_H

#include "../internal.h"

struct hk_pool;

/* Features of the allocator's API, as the adapter was built for it. */
#define HK_FEAT_INIT_SIZES	0x01	/* sizes settable at init */
#define HK_FEAT_FOR_EACH_FREE	0x02
#define HK_FEAT_FREE_TAGS	0x04
#define HK_FEAT_INTERRUPTIBLE	0x08	/* alloc takes a task state */
#define HK_FEAT_CACHE_BOUND	0x10	/* percpu_ida: no CPU caches more than max_size */

/* Run in kernel context (a task holding a vCPU, or an irq handler). */
long hk_alloc_tag(struct hk_pool *pool, int state);
void hk_free_tag(struct hk_pool *pool, unsigned int tag);
unsigned long hk_pool_nr_tags(struct hk_pool *pool);
long hk_pool_walk(struct hk_pool *pool, unsigned int *buf, long cap);
long hk_pool_free_tags(struct hk_pool *pool, int cpu);

/* pida.c */
struct hk_pool_op {
	int opcode;
	struct hk_pool *pool;
	long a, b, c;
	unsigned int *buf;
	long cap;
	long count;
};

enum hk_pool_opcode {
	HK_OP_INIT,
	HK_OP_ALLOC,
	HK_OP_FREE,
	HK_OP_FOR_EACH_FREE,
	HK_OP_FREE_TAGS,
	HK_OP_DESTROY,
};

int hk_features(void);
struct hk_pool *hk_pool_new(unsigned long nr_tags);
void hk_pool_release(struct hk_pool *pool);
int hk_pool_op(struct task_struct *t, int cpu, int in_irq,
	       struct hk_pool_op *op, long *ret);

/* torture.c */
void hk_pin_host_thread(int cpu);

/*
 * The benchmarks' reference lock (bench.c, bench_run.c): a plain
 * test-and-set spinlock, none of the shims in it.
 */
static inline void ref_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static inline void ref_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* core.c and hotplug.c, as the harness uses them */
int hk_report_count(void);
int hk_report_get(int i, struct hk_report *out);
void hk_mem_stats(struct hk_mem_stats *st);
int hk_cpu_up(int cpu);

/* selftest functions by name: selftest.c's, then selftest_api.c's */
struct st_entry {
	const char *name;
	long (*fn)(long arg);
};
extern const struct st_entry st_api_table[];
extern const size_t st_api_table_len;

#endif /* _SHIM_HARNESS_H */
