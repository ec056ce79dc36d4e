// SPDX-License-Identifier: GPL-2.0
/*
 * The locks beside the spinlock, and RCU: mutexes (sleeping), reader-writer
 * spinlocks, completions, mainline local locks, and grace periods.  Each is
 * in lockdep's graph where the kernel's is, with the kernel's debug checks.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#include <linux/rwlock.h>
#include <linux/completion.h>
#include <linux/local_lock.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <pthread.h>
#include "internal.h"

/* ---- mutex ---- */

void __mutex_init(struct mutex *lock, const char *name,
		  struct lock_class_key *key)
{
	lock->owner = NULL;
	init_waitqueue_head(&lock->wait);
	lockdep_init_map(&lock->dep_map, name, key, 0);
}

static bool mutex_try_own(struct mutex *lock)
{
	struct task_struct *none = NULL;

	shim_sched_point(SP_CMPXCHG, &lock->owner);
	return __atomic_compare_exchange_n(&lock->owner, &none, shim_current,
					   false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Sleep until the mutex is ours, or a signal @state lets in arrives. */
static int mutex_lock_common(struct mutex *lock, unsigned int subclass,
			     int state, unsigned long ip)
{
	int ret = 0;

	might_sleep();
	if (READ_ONCE(lock->owner) == current)
		shim_bug(__FILE__, __LINE__, "mutex_lock",
			 "mutex recursion: %s/%d takes %s, which it holds "
			 "(AA deadlock)", current->comm, current->pid,
			 lock->dep_map.name);
	shim_lockdep_acquire(&lock->dep_map, subclass, SHIM_LOCK_SLEEPING, ip);
	if (mutex_try_own(lock))
		return 0;
	/* exclusive: an unlock wakes one waiter; 0 unless a signal ended it */
	ret = ___wait_event(lock->wait, mutex_try_own(lock), state, 1, 0,
			    schedule());
	if (ret) {
		shim_lockdep_release(&lock->dep_map, ip);
		return -EINTR;
	}
	return 0;
}

void mutex_lock_nested(struct mutex *lock, unsigned int subclass)
{
	mutex_lock_common(lock, subclass, TASK_UNINTERRUPTIBLE, _RET_IP_);
}

int mutex_lock_interruptible_nested(struct mutex *lock, unsigned int subclass)
{
	return mutex_lock_common(lock, subclass, TASK_INTERRUPTIBLE, _RET_IP_);
}

int mutex_lock_killable_nested(struct mutex *lock, unsigned int subclass)
{
	return mutex_lock_common(lock, subclass, TASK_KILLABLE, _RET_IP_);
}

/* Return: 1 if taken.  Not from interrupts: a mutex has a task for owner. */
int mutex_trylock(struct mutex *lock)
{
	if (in_interrupt())
		WARN(1, "mutex_trylock() of %s from interrupt context",
		     lock->dep_map.name);
	if (!mutex_try_own(lock))
		return 0;
	shim_lockdep_acquire(&lock->dep_map, 0, SHIM_LOCK_SLEEPING, _RET_IP_);
	return 1;
}

void mutex_unlock(struct mutex *lock)
{
	struct task_struct *owner = READ_ONCE(lock->owner);

	if (owner != current)
		shim_bug(__FILE__, __LINE__, "mutex_unlock",
			 "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current): "
			 "%s/%d unlocks %s, owned by %s",
			 current->comm, current->pid, lock->dep_map.name,
			 owner ? owner->comm : "nobody");
	shim_lockdep_release(&lock->dep_map, _RET_IP_);
	shim_sched_point(SP_UNLOCK, &lock->owner);
	__atomic_store_n(&lock->owner, NULL, __ATOMIC_RELEASE);
	wake_up(&lock->wait);
}

/* ---- rwlock_t ---- */

void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key)
{
	lock->cnt = 0;
	lock->magic = RWLOCK_MAGIC;
	lock->owner = NULL;
	lockdep_init_map(&lock->dep_map, name, key, 0);
}

static void rwlock_check(rwlock_t *lock, const char *op)
{
	if (unlikely(lock->magic != RWLOCK_MAGIC))
		shim_bug(__FILE__, __LINE__, op,
			 "rwlock bad magic on CPU#%d: lock %p .magic %08x "
			 "(never initialised, or corrupted)",
			 shim_current->cpu, (void *)lock, lock->magic);
}

/* One attempt: readers enter unless a writer holds it, a writer only alone. */
static bool rw_try(rwlock_t *lock, bool write)
{
	int c = __atomic_load_n(&lock->cnt, __ATOMIC_RELAXED);

	shim_sched_point(SP_LOCK, lock);
	if (write ? c != 0 : c < 0)
		return false;
	return __atomic_compare_exchange_n(&lock->cnt, &c, write ? -1 : c + 1,
					   false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static void rw_spin(rwlock_t *lock, bool write)
{
	while (!rw_try(lock, write)) {
		shim_sched_point(SP_RELAX, &lock->cnt);
		__builtin_ia32_pause();
		shim_check_dead();
	}
}

void shim_read_lock(rwlock_t *lock, unsigned long ip)
{
	rwlock_check(lock, "read_lock");
	shim_lockdep_acquire(&lock->dep_map, 0, SHIM_LOCK_SHARED, ip);
	rw_spin(lock, false);
}

void shim_write_lock(rwlock_t *lock, unsigned long ip)
{
	rwlock_check(lock, "write_lock");
	shim_lockdep_acquire(&lock->dep_map, 0, SHIM_LOCK_EXCLUSIVE, ip);
	rw_spin(lock, true);
	WRITE_ONCE(lock->owner, shim_current);
}

int shim_read_trylock(rwlock_t *lock, unsigned long ip)
{
	rwlock_check(lock, "read_trylock");
	if (!rw_try(lock, false))
		return 0;
	shim_lockdep_acquire(&lock->dep_map, 0, SHIM_LOCK_SHARED, ip);
	return 1;
}

int shim_write_trylock(rwlock_t *lock, unsigned long ip)
{
	rwlock_check(lock, "write_trylock");
	if (!rw_try(lock, true))
		return 0;
	shim_lockdep_acquire(&lock->dep_map, 0, SHIM_LOCK_EXCLUSIVE, ip);
	WRITE_ONCE(lock->owner, shim_current);
	return 1;
}

void shim_read_unlock(rwlock_t *lock)
{
	rwlock_check(lock, "read_unlock");
	if (__atomic_load_n(&lock->cnt, __ATOMIC_RELAXED) <= 0)
		shim_bug(__FILE__, __LINE__, "read_unlock",
			 "rwlock %s: read_unlock without readers",
			 lock->dep_map.name);
	shim_lockdep_release(&lock->dep_map, _RET_IP_);
	shim_sched_point(SP_UNLOCK, lock);
	__atomic_fetch_sub(&lock->cnt, 1, __ATOMIC_RELEASE);
}

void shim_write_unlock(rwlock_t *lock)
{
	rwlock_check(lock, "write_unlock");
	if (READ_ONCE(lock->owner) != shim_current)
		shim_bug(__FILE__, __LINE__, "write_unlock",
			 "rwlock %s: write_unlock by a task that does not "
			 "hold it", lock->dep_map.name);
	shim_lockdep_release(&lock->dep_map, _RET_IP_);
	WRITE_ONCE(lock->owner, NULL);
	shim_sched_point(SP_UNLOCK, lock);
	__atomic_store_n(&lock->cnt, 0, __ATOMIC_RELEASE);
}

/* ---- completion ---- */

void complete(struct completion *x)
{
	unsigned long flags;

	spin_lock_irqsave(&x->wait.lock, flags);
	if (x->done != UINT_MAX)
		x->done++;
	__wake_up_locked(&x->wait, TASK_NORMAL, 1);
	spin_unlock_irqrestore(&x->wait.lock, flags);
}

void complete_all(struct completion *x)
{
	unsigned long flags;

	spin_lock_irqsave(&x->wait.lock, flags);
	x->done = UINT_MAX;
	__wake_up_locked(&x->wait, TASK_NORMAL, 0);
	spin_unlock_irqrestore(&x->wait.lock, flags);
}

/* Take one completion if there is one. */
bool try_wait_for_completion(struct completion *x)
{
	unsigned long flags;
	bool got;

	spin_lock_irqsave(&x->wait.lock, flags);
	got = x->done != 0;
	if (got && x->done != UINT_MAX)
		x->done--;
	spin_unlock_irqrestore(&x->wait.lock, flags);
	return got;
}

bool completion_done(struct completion *x)
{
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&x->wait.lock, flags);
	done = x->done != 0;
	spin_unlock_irqrestore(&x->wait.lock, flags);
	return done;
}

void wait_for_completion(struct completion *x)
{
	wait_event(x->wait, try_wait_for_completion(x));
}

void wait_for_completion_io(struct completion *x)
{
	wait_for_completion(x);
}

int wait_for_completion_interruptible(struct completion *x)
{
	return wait_event_interruptible(x->wait, try_wait_for_completion(x));
}

int wait_for_completion_killable(struct completion *x)
{
	return wait_event_killable(x->wait, try_wait_for_completion(x));
}

/* Return: 0 if it timed out, else the jiffies left (at least 1). */
unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout)
{
	return wait_event_timeout(x->wait, try_wait_for_completion(x), timeout);
}

long wait_for_completion_interruptible_timeout(struct completion *x,
					       unsigned long timeout)
{
	return wait_event_interruptible_timeout(x->wait,
						try_wait_for_completion(x),
						timeout);
}

/* ---- local_lock_t ---- */

void __local_lock_acquire(local_lock_t *l, unsigned long ip)
{
	shim_lockdep_acquire(&l->dep_map, 0, SHIM_LOCK_EXCLUSIVE, ip);
	if (l->owner)
		shim_bug(__FILE__, __LINE__, "local_lock",
			 "local_lock %s taken by %s/%d while %s holds it",
			 l->dep_map.name, current->comm, current->pid,
			 l->owner->comm);
	l->owner = current;
}

void __local_lock_release(local_lock_t *l)
{
	if (l->owner != current)
		shim_bug(__FILE__, __LINE__, "local_unlock",
			 "local_lock %s released by %s/%d, not its owner",
			 l->dep_map.name, current->comm, current->pid);
	l->owner = NULL;
	shim_lockdep_release(&l->dep_map, _RET_IP_);
}

/* ---- RCU ---- */

static pthread_mutex_t rcu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *rcu_cbs, **rcu_cbs_tail = &rcu_cbs;

/*
 * A grace period: each online vCPU, held once by us, had nobody inside a
 * read-side section (a preempt-off section) at that moment.
 */
static void rcu_grace_period(void)
{
	struct task_struct *t = shim_current;
	bool held = t->vcpu != NULL;
	unsigned int cpu;

	might_sleep();
	shim_trace("rcu_gp_wait", t->pid, 0);
	if (held)
		shim_task_leave(t);
	for_each_online_cpu(cpu) {
		if (shim_vcpu_lock(&shim_vcpus[cpu]))
			shim_die();
		shim_vcpu_unlock(&shim_vcpus[cpu]);
	}
	if (held)
		shim_task_resume(t);
	shim_trace("rcu_gp", t->pid, 0);
}

/* Run the callbacks that were queued before the grace period just ended. */
static void rcu_run(struct rcu_head *list)
{
	local_bh_disable();	/* they run in softirq context in the kernel */
	while (list) {
		struct rcu_head *next = list->next;
		unsigned long f = (unsigned long)list->func;

		if (f < 4096)	/* kfree_rcu(): the offset of the head */
			kfree((char *)list - f);
		else
			list->func(list);
		list = next;
	}
	local_bh_enable();
}

static struct rcu_head *rcu_take(void)
{
	struct rcu_head *list;

	pthread_mutex_lock(&rcu_lock);
	list = rcu_cbs;
	rcu_cbs = NULL;
	rcu_cbs_tail = &rcu_cbs;
	pthread_mutex_unlock(&rcu_lock);
	return list;
}

void synchronize_rcu(void)
{
	struct rcu_head *before = rcu_take();

	rcu_grace_period();
	rcu_run(before);
}

void rcu_barrier(void)
{
	synchronize_rcu();
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&rcu_lock);
	*rcu_cbs_tail = head;
	rcu_cbs_tail = &head->next;
	pthread_mutex_unlock(&rcu_lock);
}

void __shim_kfree_rcu(struct rcu_head *head, unsigned long offset)
{
	call_rcu(head, (rcu_callback_t)offset);
}
