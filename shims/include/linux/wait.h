/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/sched.h>

struct wait_queue_entry;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry,
				 unsigned int mode, int flags, void *key);

#define WQ_FLAG_EXCLUSIVE	0x01
#define WQ_FLAG_WOKEN		0x02

struct wait_queue_entry {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head entry;
};
typedef struct wait_queue_entry wait_queue_entry_t;
typedef struct wait_queue_entry wait_queue_t;	/* before 4.13 */

struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
};
typedef struct wait_queue_head wait_queue_head_t;

int default_wake_function(struct wait_queue_entry *wq_entry,
			  unsigned int mode, int flags, void *key);
int autoremove_wake_function(struct wait_queue_entry *wq_entry,
			     unsigned int mode, int sync, void *key);
int woken_wake_function(struct wait_queue_entry *wq_entry, unsigned int mode,
			int sync, void *key);

void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name,
			   struct lock_class_key *key);
#define init_waitqueue_head(wq_head) do {				\
	static struct lock_class_key __key;				\
	__init_waitqueue_head((wq_head), #wq_head, &__key);		\
} while (0)

#define __WAIT_QUEUE_HEAD_INITIALIZER(wq) {				\
	.lock = { .rlock = { .magic = SPINLOCK_MAGIC, .owner_cpu = -1,	\
			     .wq_lock = 1, .dep_map = { .name = #wq } } },	\
	.head = { &(wq).head, &(wq).head } }
#define DECLARE_WAIT_QUEUE_HEAD(name)					\
	struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)

#define DEFINE_WAIT_FUNC(name, function)				\
	struct wait_queue_entry name = {				\
		.private = current,					\
		.func = function,					\
		.entry = LIST_HEAD_INIT((name).entry),			\
	}
#define DEFINE_WAIT(name)	DEFINE_WAIT_FUNC(name, autoremove_wake_function)
#define DECLARE_WAITQUEUE(name, tsk)					\
	struct wait_queue_entry name = {				\
		.private = tsk,						\
		.func = default_wake_function,				\
		.entry = { NULL, NULL },				\
	}

static inline void init_wait_entry_func(struct wait_queue_entry *w,
					wait_queue_func_t func)
{
	w->flags = 0;
	w->private = current;
	w->func = func;
	INIT_LIST_HEAD(&w->entry);
}
#define init_wait(wait)	init_wait_entry_func((wait), autoremove_wake_function)
#define init_wait_entry(wait, f) do {					\
	init_wait(wait);						\
	(wait)->flags = (f);						\
} while (0)

static inline int waitqueue_active(struct wait_queue_head *wq_head)
{
	return !list_empty(&wq_head->head);
}

static inline bool wq_has_sleeper(struct wait_queue_head *wq_head)
{
	smp_mb();
	return waitqueue_active(wq_head);
}

void add_wait_queue(struct wait_queue_head *wq_head,
		    struct wait_queue_entry *wq_entry);
void add_wait_queue_exclusive(struct wait_queue_head *wq_head,
			      struct wait_queue_entry *wq_entry);
void remove_wait_queue(struct wait_queue_head *wq_head,
		       struct wait_queue_entry *wq_entry);
void prepare_to_wait(struct wait_queue_head *wq_head,
		     struct wait_queue_entry *wq_entry, int state);
bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head,
			       struct wait_queue_entry *wq_entry, int state);
long prepare_to_wait_event(struct wait_queue_head *wq_head,
			   struct wait_queue_entry *wq_entry, int state);
void finish_wait(struct wait_queue_head *wq_head,
		 struct wait_queue_entry *wq_entry);
int __wake_up(struct wait_queue_head *wq_head, unsigned int mode,
	      int nr_exclusive, void *key);
void __wake_up_locked(struct wait_queue_head *wq_head, unsigned int mode,
		      int nr);

#define wake_up(x)			__wake_up(x, TASK_NORMAL, 1, NULL)
#define wake_up_nr(x, nr)		__wake_up(x, TASK_NORMAL, nr, NULL)
#define wake_up_all(x)			__wake_up(x, TASK_NORMAL, 0, NULL)
#define wake_up_locked(x)		__wake_up_locked((x), TASK_NORMAL, 1)
#define wake_up_interruptible(x)	__wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
#define wake_up_interruptible_nr(x, nr)	__wake_up(x, TASK_INTERRUPTIBLE, nr, NULL)
#define wake_up_interruptible_all(x)	__wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)

/* The wait_event family, built on the same protocol as open-coded waits. */
#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd) ({ \
	__label__ __out;						\
	long __ret = ret;						\
	struct wait_queue_entry __wq_entry;				\
	init_wait_entry(&__wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0); \
	for (;;) {							\
		long __int = prepare_to_wait_event(&(wq_head),		\
						   &__wq_entry, state);	\
		if (condition)						\
			break;						\
		if (__int) {						\
			__ret = __int;					\
			goto __out;					\
		}							\
		cmd;							\
	}								\
	finish_wait(&(wq_head), &__wq_entry);				\
__out:	__ret;								\
})

#define wait_event(wq_head, condition) do {				\
	might_sleep();							\
	if (condition)							\
		break;							\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE,	\
			    0, 0, schedule());				\
} while (0)

#define wait_event_interruptible(wq_head, condition) ({			\
	int __ret = 0;							\
	might_sleep();							\
	if (!(condition))						\
		__ret = ___wait_event(wq_head, condition,		\
				      TASK_INTERRUPTIBLE, 0, 0,		\
				      schedule());			\
	__ret;								\
})

#define wait_event_killable(wq_head, condition) ({			\
	int __ret = 0;							\
	might_sleep();							\
	if (!(condition))						\
		__ret = ___wait_event(wq_head, condition,		\
				      TASK_KILLABLE, 0, 0, schedule());	\
	__ret;								\
})

#define wait_event_interruptible_exclusive(wq_head, condition) ({	\
	int __ret = 0;							\
	might_sleep();							\
	if (!(condition))						\
		__ret = ___wait_event(wq_head, condition,		\
				      TASK_INTERRUPTIBLE, 1, 0,		\
				      schedule());			\
	__ret;								\
})

/*
 * The timeout variants: the condition is checked once more when time runs
 * out, and a condition that came true at the last moment returns 1, never 0.
 * In @cmd and @condition, __ret is the time left.
 */
#define __shim_cond_timeout(condition, left) ({			\
	bool __c = (condition);						\
	if (__c && !(left))						\
		(left) = 1;						\
	__c || !(left);							\
})

#define __shim_wait_event_timeout(wq_head, condition, state, timeout) ({ \
	long __t = (timeout);						\
	might_sleep();							\
	if (!__shim_cond_timeout(condition, __t))			\
		__t = ___wait_event(wq_head,				\
				    __shim_cond_timeout(condition, __ret), \
				    state, 0, __t,			\
				    __ret = schedule_timeout(__ret));	\
	__t;								\
})
#define wait_event_timeout(wq_head, condition, timeout)			\
	__shim_wait_event_timeout(wq_head, condition, TASK_UNINTERRUPTIBLE, timeout)
#define wait_event_interruptible_timeout(wq_head, condition, timeout)	\
	__shim_wait_event_timeout(wq_head, condition, TASK_INTERRUPTIBLE, timeout)
#define wait_event_killable_timeout(wq_head, condition, timeout)	\
	__shim_wait_event_timeout(wq_head, condition, TASK_KILLABLE, timeout)

#define wait_event_idle(wq_head, condition) do {			\
	might_sleep();							\
	if (!(condition))						\
		(void)___wait_event(wq_head, condition, TASK_IDLE, 0, 0, \
				    schedule());			\
} while (0)

long wait_woken(struct wait_queue_entry *wq_entry, unsigned int mode,
		long timeout);

#endif /* _LINUX_WAIT_H */
