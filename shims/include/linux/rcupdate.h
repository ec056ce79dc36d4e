/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RCUPDATE_H
#define _LINUX_RCUPDATE_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/bottom_half.h>
#include <asm/barrier.h>

/*
 * RCU as a kernel without CONFIG_PREEMPT_RCU has it: a read-side section is
 * a preempt-off section (sleeping there is a bug), and a grace period ends
 * once every CPU has been seen outside one.  Callbacks queued by call_rcu()
 * run after a later grace period, from synchronize_rcu() or rcu_barrier().
 */
#define rcu_read_lock()			preempt_disable()
#define rcu_read_unlock()		preempt_enable()
#define rcu_read_lock_bh()		local_bh_disable()
#define rcu_read_unlock_bh()		local_bh_enable()
#define rcu_read_lock_sched()		preempt_disable()
#define rcu_read_unlock_sched()		preempt_enable()
#define rcu_read_lock_held()		(preempt_count() != 0 || irqs_disabled())
#define rcu_read_lock_bh_held()		rcu_read_lock_held()
#define rcu_read_lock_sched_held()	rcu_read_lock_held()

typedef void (*rcu_callback_t)(struct rcu_head *head);

void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void rcu_barrier(void);
void __shim_kfree_rcu(struct rcu_head *head, unsigned long offset);
#define synchronize_rcu_expedited()	synchronize_rcu()
#define synchronize_sched()		synchronize_rcu()
#define synchronize_rcu_bh()		synchronize_rcu()
#define call_rcu_sched(h, f)		call_rcu(h, f)
#define call_rcu_bh(h, f)		call_rcu(h, f)
#define rcu_barrier_sched()		rcu_barrier()
#define rcu_barrier_bh()		rcu_barrier()
#define cond_synchronize_rcu(s)		synchronize_rcu()

/* kfree() the object @ptr after a grace period; @rhf: its struct rcu_head */
#define kfree_rcu(ptr, rhf)						\
	__shim_kfree_rcu(&(ptr)->rhf, __builtin_offsetof(typeof(*(ptr)), rhf))

#define rcu_assign_pointer(p, v)	smp_store_release(&(p), (v))
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_dereference(p)		READ_ONCE(p)
#define rcu_dereference_raw(p)		READ_ONCE(p)
#define rcu_dereference_check(p, c)	READ_ONCE(p)
#define rcu_dereference_bh(p)		READ_ONCE(p)
#define rcu_dereference_sched(p)	READ_ONCE(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_pointer_handoff(p)		(p)
#define RCU_POINTER_INITIALIZER(p, v)	.p = (v)

#endif /* _LINUX_RCUPDATE_H */
