/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCKDEP_H
#define _LINUX_LOCKDEP_H

#include <linux/lockdep_types.h>
#include <linux/bug.h>

/*
 * A lock class is named by a key: a static object at the init site for
 * dynamically initialised locks, the lock itself for static ones.  Every
 * lock type (spinlock, rwlock, mutex) has its map in ->dep_map, so these work
 * on any of them, as the kernel's do.
 */
void lockdep_init_map_type(struct lockdep_map *map, const char *name,
			   struct lock_class_key *key, int subclass);
int lockdep_is_held(const void *map);

#define lockdep_init_map(map, name, key, sub)				\
	lockdep_init_map_type((map), (name), (key), (sub))
#define lockdep_set_class(lock, key)					\
	lockdep_init_map_type(&(lock)->dep_map, #key, (key), 0)
#define lockdep_set_class_and_name(lock, key, name)			\
	lockdep_init_map_type(&(lock)->dep_map, (name), (key), 0)
#define lockdep_set_class_and_subclass(lock, key, sub)			\
	lockdep_init_map_type(&(lock)->dep_map, #key, (key), (sub))
#define lockdep_set_subclass(lock, sub)					\
	lockdep_init_map_type(&(lock)->dep_map, (lock)->dep_map.name,	\
			      (lock)->dep_map.key, (sub))
#define lockdep_set_novalidate_class(lock)				\
	lockdep_set_class_and_name(lock, &__lockdep_no_validate__, #lock)
extern struct lock_class_key __lockdep_no_validate__;

/* held by the current task: not by anybody, as spin_is_locked() would say */
#define lockdep_is_held(lock)		lockdep_is_held(&(lock)->dep_map)
#define lockdep_assert_held(l)		WARN_ON(!lockdep_is_held(l))
#define lockdep_assert_not_held(l)	WARN_ON(lockdep_is_held(l))
#define lockdep_assert_held_once(l)	WARN_ON_ONCE(!lockdep_is_held(l))
#define lockdep_assert_held_write(l)	lockdep_assert_held(l)
#define lockdep_assert_held_read(l)	lockdep_assert_held(l)
#define lockdep_assert_irqs_disabled()	WARN_ON_ONCE(!irqs_disabled())
#define lockdep_assert_irqs_enabled()	WARN_ON_ONCE(irqs_disabled())
#define lockdep_assert_preemption_disabled() WARN_ON_ONCE(preemptible())
#define lockdep_off()			do { } while (0)
#define lockdep_on()			do { } while (0)
#define lockdep_assert(c)		WARN_ON(!(c))

#endif /* _LINUX_LOCKDEP_H */
