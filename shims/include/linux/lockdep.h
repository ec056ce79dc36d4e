/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCKDEP_H
#define _LINUX_LOCKDEP_H

/*
 * A lock class is named by a key: a static object at the init site for
 * dynamically initialised locks, the lock itself for static ones.
 */
struct lock_class_key {
	int id;
};

#define SINGLE_DEPTH_NESTING	1
#define lockdep_set_class(lock, key)	do { (void)(key); } while (0)
#define lockdep_set_novalidate_class(lock) do { } while (0)
#define lockdep_assert_held(l)		WARN_ON(!spin_is_locked(l))
#define lockdep_off()			do { } while (0)
#define lockdep_on()			do { } while (0)

#endif /* _LINUX_LOCKDEP_H */
