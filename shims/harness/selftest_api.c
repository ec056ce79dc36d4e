// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel API beyond the allocator's needs, each facility used once the
 * way lib/ code uses it and checked against the kernel's semantics.  Each
 * function returns 0, or the negative number of the check that failed.
 *
 * This is kernel code under test, not the runtime: its marked accesses and
 * barriers are the kernel's (see "The kernel's ordering" in compiler.h).
 */
#undef SHIM_RUNTIME
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/percpu.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/completion.h>
#include <linux/local_lock.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/cpumask.h>
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/minmax.h>
#include <linux/log2.h>
#include <linux/delay.h>
#include "harness.h"

static DEFINE_SPINLOCK(st_api_lock);

#define CHECK(n, cond) do { if (!(cond)) return -(n); } while (0)

static DEFINE_PER_CPU(int, st_pcp_init) = 42;
static DEFINE_PER_CPU(unsigned long, st_pcp_count);

/* Static per-cpu variables: one copy per CPU, each from the initialiser. */
static long st_percpu_static(long arg)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		CHECK(1, per_cpu(st_pcp_init, cpu) == 42);
	for_each_possible_cpu(cpu)
		per_cpu(st_pcp_count, cpu) = cpu * 10;
	CHECK(2, this_cpu_inc_return(st_pcp_count) == raw_smp_processor_id() * 10 + 1);
	CHECK(3, this_cpu_cmpxchg(st_pcp_count, 0UL, 5UL) ==
		 raw_smp_processor_id() * 10 + 1);
	CHECK(4, this_cpu_xchg(st_pcp_init, 7) == 42);
	for_each_possible_cpu(cpu)
		CHECK(5, per_cpu(st_pcp_init, cpu) ==
			 (cpu == raw_smp_processor_id() ? 7 : 42));
	this_cpu_write(st_pcp_init, 42);
	CHECK(6, *per_cpu_ptr(&st_pcp_count, 0) == (raw_smp_processor_id() ? 0 : 1));
	return 0;
}

static long st_this_cpu_ops(long arg)
{
	long __percpu *p = alloc_percpu(long);
	long old = 3;

	CHECK(1, p != NULL);
	this_cpu_write(*p, 3);
	CHECK(2, this_cpu_add_return(*p, 4) == 7);
	CHECK(3, this_cpu_cmpxchg(*p, 1L, 9L) == 7);	/* no match: unchanged */
	CHECK(4, this_cpu_read(*p) == 7);
	CHECK(5, !this_cpu_try_cmpxchg(*p, &old, 1L) && old == 7);
	CHECK(6, this_cpu_try_cmpxchg(*p, &old, 1L) && this_cpu_read(*p) == 1);
	free_percpu(p);
	return 0;
}

/* ---- mutex ---- */

static DEFINE_MUTEX(st_mutex);
static atomic_t st_api_flag;

/* Hold st_mutex until st_api_flag is 2 (1 says it is held), sleeping meanwhile. */
static long st_mutex_hold(long arg)
{
	mutex_lock(&st_mutex);
	atomic_set(&st_api_flag, 1);
	while (atomic_read(&st_api_flag) != 2)
		msleep(1);
	mutex_unlock(&st_mutex);
	return 0;
}

/* @arg 0: trylock (1 if taken); 1: lock, sleeping until it is free. */
static long st_mutex_take(long arg)
{
	if (!arg) {
		if (!mutex_trylock(&st_mutex))
			return 0;
		mutex_unlock(&st_mutex);
		return 1;
	}
	mutex_lock(&st_mutex);
	lockdep_assert_held(&st_mutex);
	mutex_unlock(&st_mutex);
	return 1;
}

static long st_mutex_in_atomic(long arg)
{
	spin_lock(&st_api_lock);
	mutex_lock(&st_mutex);
	mutex_unlock(&st_mutex);
	spin_unlock(&st_api_lock);
	return 0;
}

static long st_mutex_unlock_unowned(long arg)
{
	mutex_unlock(&st_mutex);
	return 0;
}

static long st_api_flag_op(long arg)
{
	if (arg >= 0)
		atomic_set(&st_api_flag, arg);
	return atomic_read(&st_api_flag);
}

/* ---- rwlock ---- */

static DEFINE_RWLOCK(st_rwlock);

static long st_rwlock_rules(long arg)
{
	read_lock(&st_rwlock);
	read_lock(&st_rwlock);		/* readers nest */
	CHECK(1, !write_trylock(&st_rwlock));
	read_unlock(&st_rwlock);
	CHECK(2, read_trylock(&st_rwlock));
	read_unlock(&st_rwlock);
	read_unlock(&st_rwlock);
	CHECK(3, write_trylock(&st_rwlock));
	CHECK(4, !read_trylock(&st_rwlock));
	write_unlock(&st_rwlock);
	return 0;
}

/* ---- completion ---- */

static DECLARE_COMPLETION(st_done);

/* @arg 0: wait (returns 0); 1: complete once; 2: complete_all; 3: a timed wait */
static long st_completion(long arg)
{
	switch (arg) {
	case 0:
		wait_for_completion(&st_done);
		return 0;
	case 1:
		complete(&st_done);
		return 0;
	case 2:
		complete_all(&st_done);
		return 0;
	case 3:
		reinit_completion(&st_done);
		return wait_for_completion_timeout(&st_done, 2);
	}
	return -EINVAL;
}

/* ---- local_lock_t ---- */

struct st_stock {
	local_lock_t lock;
	int nr;
};
static DEFINE_PER_CPU(struct st_stock, st_stock) = { .lock = INIT_LOCAL_LOCK(lock) };

static long st_local_lock(long arg)
{
	unsigned long flags;

	local_lock(&st_stock.lock);
	lockdep_assert_held(this_cpu_ptr(&st_stock.lock));
	__this_cpu_inc(st_stock.nr);
	local_unlock(&st_stock.lock);
	local_lock_irqsave(&st_stock.lock, flags);
	CHECK(1, irqs_disabled());
	local_unlock_irqrestore(&st_stock.lock, flags);
	CHECK(2, this_cpu_read(st_stock.nr) >= 1);
	return 0;
}

/* ---- RCU ---- */

struct st_obj {
	int value;
	struct rcu_head rcu;
};
static struct st_obj __rcu *st_rcu_ptr;
static int st_rcu_called;

/* A reader inside rcu_read_lock() until st_api_flag is 3; it saw no grace
 * period end (st_api_flag 4) while inside. */
static long st_rcu_reader(long arg)
{
	bool ended = false;

	rcu_read_lock();
	atomic_set(&st_api_flag, 1);
	while (atomic_read(&st_api_flag) != 3)
		ended |= atomic_read(&st_api_flag) == 4;
	rcu_read_unlock();
	return ended;
}

static void st_rcu_cb(struct rcu_head *head)
{
	WRITE_ONCE(st_rcu_called, container_of(head, struct st_obj, rcu)->value);
	kfree(container_of(head, struct st_obj, rcu));
}

/* @arg 0: a grace period, then st_api_flag 4; 1: replace, call_rcu, kfree_rcu */
static long st_rcu_update(long arg)
{
	struct st_obj *a, *b, *old;

	if (!arg) {
		synchronize_rcu();
		atomic_set(&st_api_flag, 4);
		return 0;
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	CHECK(1, a && b);
	a->value = 17;
	rcu_assign_pointer(st_rcu_ptr, a);
	rcu_read_lock();
	CHECK(2, rcu_dereference(st_rcu_ptr)->value == 17);
	rcu_read_unlock();
	old = rcu_dereference_protected(st_rcu_ptr, 1);
	RCU_INIT_POINTER(st_rcu_ptr, NULL);
	call_rcu(&old->rcu, st_rcu_cb);
	kfree_rcu(b, rcu);
	CHECK(3, READ_ONCE(st_rcu_called) == 0);	/* not before a grace period */
	rcu_barrier();
	CHECK(4, READ_ONCE(st_rcu_called) == 17);
	return 0;
}

/* ---- kmem_cache ---- */

struct st_req {
	int tag;
	char pad[52];
};
static struct kmem_cache *st_cache;

/* @arg 0: create and alloc one (left live); 1: free it; 2: destroy */
static long st_kmem_cache(long arg)
{
	static struct st_req *held;

	switch (arg) {
	case 0:
		st_cache = KMEM_CACHE(st_req, SLAB_HWCACHE_ALIGN);
		CHECK(1, st_cache);
		held = kmem_cache_zalloc(st_cache, GFP_KERNEL);
		return held ? 0 : -ENOMEM;
	case 1:
		kmem_cache_free(st_cache, held);
		return 0;
	case 2:
		kmem_cache_destroy(st_cache);
		return 0;
	}
	return -EINVAL;
}

/* ---- lists, masks, bits ---- */

struct st_item {
	int key;
	struct hlist_node node;
	struct list_head link;
};

static long st_lists(long arg)
{
	struct st_item items[4], *pos;
	struct hlist_head bucket = HLIST_HEAD_INIT;
	LIST_HEAD(a);
	LIST_HEAD(b);
	int n = 0, sum = 0;

	for (int i = 0; i < 4; i++) {
		items[i].key = i;
		hlist_add_head(&items[i].node, &bucket);
		list_add_tail(&items[i].link, i < 2 ? &a : &b);
	}
	hlist_for_each_entry(pos, &bucket, node)
		sum = sum * 10 + pos->key;
	CHECK(1, sum == 3210);		/* newest first */
	hlist_del_init(&items[2].node);
	CHECK(2, hlist_unhashed(&items[2].node));
	list_splice_tail_init(&b, &a);
	CHECK(3, list_empty(&b));
	list_for_each_entry(pos, &a, link)
		CHECK(4, pos->key == n++);
	CHECK(5, n == 4);
	list_splice_init(&a, &b);
	CHECK(6, list_empty(&a) && list_first_entry(&b, struct st_item, link)->key == 0);
	return 0;
}

static long st_masks_and_bits(long arg)
{
	DECLARE_BITMAP(map, 64);
	struct cpumask m;
	unsigned int cpu, n = 0;
	atomic_t credits = ATOMIC_INIT(1);
	struct { int a, b; } pair = { 1, 2 }, snap;

	bitmap_zero(map, 64);
	bitmap_set(map, 2, 3);				/* bits 2..4 */
	CHECK(1, bitmap_find_next_zero_area(map, 64, 0, 4, 0) == 5);
	CHECK(2, bitmap_find_next_zero_area(map, 64, 0, 2, 0) == 0);
	CHECK(3, bitmap_find_next_zero_area(map, 64, 0, 4, 7) == 8);	/* aligned */
	CHECK(4, bitmap_find_next_zero_area(map, 8, 0, 4, 0) >= 8);	/* none */
	cpumask_clear(&m);
	cpumask_set_cpu(1, &m);
	for_each_cpu_and(cpu, &m, cpu_online_mask)
		n++;
	CHECK(5, n == (unsigned int)cpu_online(1));
	CHECK(6, atomic_dec_if_positive(&credits) == 0 &&
		 atomic_dec_if_positive(&credits) == -1 && atomic_read(&credits) == 0);
	snap = READ_ONCE(pair);
	CHECK(7, snap.a == 1 && snap.b == 2);
	CHECK(8, GENMASK(7, 4) == 0xf0 && ilog2(64) == 6);
	BUILD_BUG_ON(ilog2(4096) != 12 || max(3, 4) != 4);
	set_bit(0, map);
	CHECK(9, test_bit_acquire(0, map));
	CHECK(10, READ_ONCE(current->__state) == TASK_RUNNING &&
		  current->state == current->__state);
	return 0;
}

/* Spin with smp_cond_load_acquire() until st_api_flag is 6; then read what was published. */
static int st_published;

static long st_cond_load(long arg)
{
	if (arg) {
		WRITE_ONCE(st_published, 99);
		atomic_set_release(&st_api_flag, 6);
		return 0;
	}
	atomic_set(&st_api_flag, 5);
	smp_cond_load_acquire(&st_api_flag.counter, VAL == 6);
	return READ_ONCE(st_published);
}

/*
 * Message passing, once per way of ordering it: the writer stores
 * st_mp_data (a plain store), then a flag; the reader waits for the flag,
 * then reads the data (a plain load).  Under SAN=thread a pair without the
 * ordering the kernel requires is a data race on st_mp_data; a pair with it
 * is clean (test_sanitizers.py).  @role: 0 resets, 1 writes, 2 reads (and
 * returns what it read).  The two sides meet before and after, so neither
 * leaves (and synchronises through the harness) before the reader has read.
 */
enum st_mp_writer { W_WMB, W_NONE, W_MB, W_RELEASE, W_XCHG, W_XCHG_RELAXED,
		    W_BITOP, W_BITOP_BARE, W_POINTER };
enum st_mp_reader { R_RMB, R_NONE, R_MB, R_ACQUIRE, R_COND, R_TEST_BIT,
		    R_POINTER };

static int st_mp_data;
static unsigned long st_mp_flag;
static int *st_mp_ptr;
static int st_mp_ready, st_mp_done;

static void st_mp_wait(int *what)
{
	while (!READ_ONCE(*what))
		cpu_relax();
}

static void st_mp_write(enum st_mp_writer how)
{
	st_mp_data = 42;
	switch (how) {
	case W_WMB:
		smp_wmb();
		WRITE_ONCE(st_mp_flag, 1);
		break;
	case W_NONE:
		WRITE_ONCE(st_mp_flag, 1);
		break;
	case W_MB:
		smp_mb();
		WRITE_ONCE(st_mp_flag, 1);
		break;
	case W_RELEASE:
		smp_store_release(&st_mp_flag, 1);
		break;
	case W_XCHG:
		xchg(&st_mp_flag, 1);
		break;
	case W_XCHG_RELAXED:
		xchg_relaxed(&st_mp_flag, 1);
		break;
	case W_BITOP:
		smp_mb__before_atomic();
		set_bit(0, &st_mp_flag);
		break;
	case W_BITOP_BARE:
		set_bit(0, &st_mp_flag);
		break;
	case W_POINTER:
		rcu_assign_pointer(st_mp_ptr, &st_mp_data);
		break;
	}
}

static int st_mp_read(enum st_mp_reader how)
{
	int *p = &st_mp_data;

	switch (how) {
	case R_RMB:
	case R_NONE:
	case R_MB:
		while (!READ_ONCE(st_mp_flag))
			cpu_relax();
		if (how == R_RMB)
			smp_rmb();
		else if (how == R_MB)
			smp_mb();
		break;
	case R_ACQUIRE:
		while (!smp_load_acquire(&st_mp_flag))
			cpu_relax();
		break;
	case R_COND:
		smp_cond_load_acquire(&st_mp_flag, VAL);
		break;
	case R_TEST_BIT:
		while (!test_bit(0, &st_mp_flag))
			cpu_relax();
		smp_rmb();
		break;
	case R_POINTER:
		while (!(p = rcu_dereference(st_mp_ptr)))
			cpu_relax();
		break;
	}
	return *p;
}

static long st_mp(long role, enum st_mp_writer writer, enum st_mp_reader reader)
{
	long seen = 0;

	switch (role) {
	case 0:
		st_mp_data = 0;
		WRITE_ONCE(st_mp_flag, 0);
		WRITE_ONCE(st_mp_ptr, NULL);
		WRITE_ONCE(st_mp_ready, 0);
		WRITE_ONCE(st_mp_done, 0);
		break;
	case 1:
		st_mp_wait(&st_mp_ready);
		st_mp_write(writer);
		st_mp_wait(&st_mp_done);
		break;
	case 2:
		WRITE_ONCE(st_mp_ready, 1);
		seen = st_mp_read(reader);
		WRITE_ONCE(st_mp_done, 1);
		break;
	}
	return seen;
}

#define ST_MP_PAIR(name, writer, reader)				\
static long st_mp_##name(long role) { return st_mp(role, writer, reader); }
ST_MP_PAIR(wmb_rmb, W_WMB, R_RMB)
ST_MP_PAIR(no_wmb, W_NONE, R_RMB)
ST_MP_PAIR(no_rmb, W_WMB, R_NONE)
ST_MP_PAIR(mb_mb, W_MB, R_MB)
ST_MP_PAIR(release_acquire, W_RELEASE, R_ACQUIRE)
ST_MP_PAIR(wmb_acquire, W_WMB, R_ACQUIRE)
ST_MP_PAIR(release_rmb, W_RELEASE, R_RMB)
ST_MP_PAIR(release_no_rmb, W_RELEASE, R_NONE)
ST_MP_PAIR(xchg_rmb, W_XCHG, R_RMB)
ST_MP_PAIR(xchg_relaxed_rmb, W_XCHG_RELAXED, R_RMB)
ST_MP_PAIR(wmb_cond_load, W_WMB, R_COND)
ST_MP_PAIR(bitop_rmb, W_BITOP, R_TEST_BIT)
ST_MP_PAIR(bare_bitop_rmb, W_BITOP_BARE, R_TEST_BIT)
ST_MP_PAIR(pointer, W_POINTER, R_POINTER)

/* Which options code compiled here sees: a bit per option. */
static long st_config(long arg)
{
	long bits = 0;

#ifdef CONFIG_HOTPLUG_CPU
	bits |= 1;
#endif
	bits |= IS_ENABLED(CONFIG_SMP) << 1;
	bits |= IS_ENABLED(CONFIG_PROVE_LOCKING) << 2;
	bits |= IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) << 3;
	bits |= IS_ENABLED(CONFIG_PREEMPT_RT) << 4;
	bits |= (CONFIG_HZ == HZ) << 5;
	return bits;
}

const struct st_entry st_api_table[] = {
	{ "config", st_config },
	{ "percpu_static", st_percpu_static },
	{ "this_cpu_ops", st_this_cpu_ops },
	{ "mutex_hold", st_mutex_hold },
	{ "mutex_take", st_mutex_take },
	{ "mutex_in_atomic", st_mutex_in_atomic },
	{ "mutex_unlock_unowned", st_mutex_unlock_unowned },
	{ "api_flag", st_api_flag_op },
	{ "rwlock_rules", st_rwlock_rules },
	{ "completion", st_completion },
	{ "local_lock", st_local_lock },
	{ "rcu_reader", st_rcu_reader },
	{ "rcu_update", st_rcu_update },
	{ "kmem_cache", st_kmem_cache },
	{ "lists", st_lists },
	{ "masks_and_bits", st_masks_and_bits },
	{ "cond_load", st_cond_load },
#define ST_MP_ENTRY(name) { "mp_" #name, st_mp_##name }
	ST_MP_ENTRY(wmb_rmb), ST_MP_ENTRY(no_wmb), ST_MP_ENTRY(no_rmb),
	ST_MP_ENTRY(mb_mb), ST_MP_ENTRY(release_acquire),
	ST_MP_ENTRY(wmb_acquire), ST_MP_ENTRY(release_rmb),
	ST_MP_ENTRY(release_no_rmb), ST_MP_ENTRY(xchg_rmb),
	ST_MP_ENTRY(xchg_relaxed_rmb), ST_MP_ENTRY(wmb_cond_load),
	ST_MP_ENTRY(bitop_rmb), ST_MP_ENTRY(bare_bitop_rmb),
	ST_MP_ENTRY(pointer),
};
const size_t st_api_table_len = ARRAY_SIZE(st_api_table);
