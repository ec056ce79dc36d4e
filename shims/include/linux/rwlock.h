/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RWLOCK_H
#define _LINUX_RWLOCK_H

#include <linux/rwlock_types.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>

/* The spinning reader-writer lock, in lockdep's graph (readers as shared). */
void shim_read_lock(rwlock_t *lock, unsigned long ip);
void shim_write_lock(rwlock_t *lock, unsigned long ip);
int shim_read_trylock(rwlock_t *lock, unsigned long ip);
int shim_write_trylock(rwlock_t *lock, unsigned long ip);
void shim_read_unlock(rwlock_t *lock);
void shim_write_unlock(rwlock_t *lock);
void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key);

#define rwlock_init(lock) do {						\
	static struct lock_class_key __key;				\
	__rwlock_init((lock), #lock, &__key);				\
} while (0)

#define read_lock(l)	do { preempt_disable(); shim_read_lock(l, _THIS_IP_); } while (0)
#define write_lock(l)	do { preempt_disable(); shim_write_lock(l, _THIS_IP_); } while (0)
#define read_unlock(l)	do { shim_read_unlock(l); preempt_enable(); } while (0)
#define write_unlock(l)	do { shim_write_unlock(l); preempt_enable(); } while (0)
#define read_lock_irq(l)	do { local_irq_disable(); read_lock(l); } while (0)
#define write_lock_irq(l)	do { local_irq_disable(); write_lock(l); } while (0)
#define read_unlock_irq(l)	do { read_unlock(l); local_irq_enable(); } while (0)
#define write_unlock_irq(l)	do { write_unlock(l); local_irq_enable(); } while (0)
#define read_lock_irqsave(l, f)	do { local_irq_save(f); read_lock(l); } while (0)
#define write_lock_irqsave(l, f) do { local_irq_save(f); write_lock(l); } while (0)
#define read_unlock_irqrestore(l, f) do { read_unlock(l); local_irq_restore(f); } while (0)
#define write_unlock_irqrestore(l, f) do { write_unlock(l); local_irq_restore(f); } while (0)
#define read_lock_bh(l)		do { local_bh_disable(); read_lock(l); } while (0)
#define write_lock_bh(l)	do { local_bh_disable(); write_lock(l); } while (0)
#define read_unlock_bh(l)	do { read_unlock(l); local_bh_enable(); } while (0)
#define write_unlock_bh(l)	do { write_unlock(l); local_bh_enable(); } while (0)
#define read_trylock(l) ({						\
	int __r;							\
	preempt_disable();						\
	__r = shim_read_trylock(l, _THIS_IP_);				\
	if (!__r)							\
		preempt_enable();					\
	__r;								\
})
#define write_trylock(l) ({						\
	int __r;							\
	preempt_disable();						\
	__r = shim_write_trylock(l, _THIS_IP_);				\
	if (!__r)							\
		preempt_enable();					\
	__r;								\
})

#endif /* _LINUX_RWLOCK_H */
