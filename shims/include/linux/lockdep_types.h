/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCKDEP_TYPES_H
#define _LINUX_LOCKDEP_TYPES_H

struct lock_class_key {
	int id;
};

/* A lock's lockdep identity: its class (resolved on first use) and name. */
struct lockdep_map {
	struct lock_class_key *key;
	const char *name;
	int class_id;		/* 0 until the first acquisition resolves it */
	int subclass;		/* added to every acquisition's (lockdep_set_subclass) */
};

#define SINGLE_DEPTH_NESTING	1
#define MAX_LOCKDEP_SUBCLASSES	8

#define STATIC_LOCKDEP_MAP_INIT(_name, _key)				\
	{ .name = (_name), .key = (void *)(_key) }

#endif /* _LINUX_LOCKDEP_TYPES_H */
