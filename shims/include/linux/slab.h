/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/topology.h>

/* the largest kmalloc: half the largest page block, as SLUB's */
#define KMALLOC_MAX_SIZE	(PAGE_SIZE << (MAX_ORDER - 1))

void *__kmalloc(size_t size, gfp_t flags);
void *__vmalloc(size_t size, gfp_t flags);
void kfree(const void *objp);
size_t ksize(const void *objp);

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return __kmalloc(size, flags);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return __kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

/* one memory node: the _node forms are the plain ones, node ignored */
#define kmalloc_node(size, flags, node)		kmalloc(size, flags)
#define kzalloc_node(size, flags, node)		kzalloc(size, flags)
#define kmalloc_array_node(n, size, flags, node) kmalloc_array(n, size, flags)
#define kcalloc_node(n, size, flags, node)	kcalloc(n, size, flags)
/*
 * vmalloc space is not bounded by KMALLOC_MAX_SIZE; kvmalloc falls back to
 * it, so it is not either (the kernel's own cap is INT_MAX bytes)
 */
static inline void *kvmalloc(size_t size, gfp_t flags)
{
	return __vmalloc(size, flags);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __vmalloc(bytes, flags);
}

#define kvmalloc_node(size, flags, node)	kvmalloc(size, flags)
#define kvzalloc_node(size, flags, node)	kvmalloc(size, (flags) | __GFP_ZERO)
#define kvzalloc(size, flags)			kvmalloc(size, (flags) | __GFP_ZERO)
#define kvcalloc(n, size, flags)		kvmalloc_array(n, size, (flags) | __GFP_ZERO)
#define kvfree(p)				kfree(p)
#define vmalloc(size)				__vmalloc(size, GFP_KERNEL)
#define vzalloc(size)				__vmalloc(size, GFP_KERNEL | __GFP_ZERO)
#define vfree(p)				kfree(p)

typedef unsigned int slab_flags_t;
#define SLAB_HWCACHE_ALIGN	0x00002000U
#define SLAB_CACHE_DMA		0x00004000U
#define SLAB_PANIC		0x00040000U
#define SLAB_TYPESAFE_BY_RCU	0x00080000U
#define SLAB_RECLAIM_ACCOUNT	0x00020000U
#define SLAB_ACCOUNT		0x04000000U
#define SLAB_MEM_SPREAD		0x00100000U

struct kmem_cache;
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *obj);
#define kmem_cache_alloc_node(s, flags, node)	kmem_cache_alloc(s, flags)

/* a cache named after its struct, sized and aligned for it */
#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct),		\
			  __alignof__(struct __struct), (__flags), NULL)

#endif /* _LINUX_SLAB_H */
