// SPDX-License-Identifier: GPL-2.0
/*
 * Memory: slab, pages and per-cpu areas, every object accounted so that a
 * leak is visible, every allocation fault-injectable (fail-nth for now).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/list.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "internal.h"

/*
 * CONFIG_SLUB_DEBUG's red zoning: bytes past the end of every slab object,
 * page allocation and CPU's copy of a per-cpu object hold a pattern,
 * checked when the object is freed (a BUG) and whenever the harness asks
 * (at quiescence).
 */
#define PCPU_UNIT_SIZE	(1UL << 20)
#define PCPU_CHUNK	SMP_CACHE_BYTES
#define PCPU_NR_CHUNKS	(PCPU_UNIT_SIZE / PCPU_CHUNK)

#define REDZONE_BYTES	16
#define REDZONE_BYTE	0xcc	/* SLUB_RED_ACTIVE */

#define OBJ_MAGIC	0x6b6d616cU	/* "kmal" */
#define OBJ_FREED	0x66726565U	/* "free" */
#define ZERO_SIZE_PTR	((void *)16)

enum obj_kind { OBJ_SLAB, OBJ_PAGE, OBJ_PERCPU, OBJ_NR_KINDS };

/* Every live object, whatever its kind, hangs off one list. */
struct obj_hdr {
	struct list_head node;
	void *ptr;
	size_t size;
	unsigned long site;
	unsigned int magic;
	int kind;
	unsigned int order;
	unsigned int pcpu_chunk;
	size_t unit;		/* per-cpu: one CPU's object; its redzone follows */
};

static LIST_HEAD(live_objs);
static long live_count[OBJ_NR_KINDS];
static long live_bytes[OBJ_NR_KINDS];
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const kind_names[] = { "kmalloc", "pages", "percpu" };

static void track(struct obj_hdr *h, enum obj_kind kind, void *ptr,
		  size_t size, unsigned long site)
{
	h->ptr = ptr;
	h->size = size;
	h->site = site;
	h->kind = kind;
	h->magic = OBJ_MAGIC;
	if (kind != OBJ_PERCPU)	/* per-cpu areas come back where they were */
		por_object(ptr, size);
	pthread_mutex_lock(&mem_lock);
	list_add_tail(&h->node, &live_objs);
	live_count[kind]++;
	live_bytes[kind] += size;
	pthread_mutex_unlock(&mem_lock);
}

static void untrack(struct obj_hdr *h)
{
	por_object(h->ptr, 0);
	pthread_mutex_lock(&mem_lock);
	list_del(&h->node);
	live_count[h->kind]--;
	live_bytes[h->kind] -= h->size;
	pthread_mutex_unlock(&mem_lock);
	h->magic = OBJ_FREED;
}

/* Side-table lookup for objects whose header cannot sit in front of them. */
static struct obj_hdr *find_obj(const void *ptr, enum obj_kind kind)
{
	struct obj_hdr *h, *found = NULL;

	pthread_mutex_lock(&mem_lock);
	list_for_each_entry(h, &live_objs, node) {
		if (h->ptr == ptr && h->kind == kind) {
			found = h;
			break;
		}
	}
	pthread_mutex_unlock(&mem_lock);
	return found;
}

/* A per-cpu object's chunks (h->order) past its size are its redzone. */
static size_t pcpu_redzone(const struct obj_hdr *h)
{
	return h->order * PCPU_CHUNK - h->unit;
}

/* The first byte of @len at @p that is not the redzone's pattern, or -1. */
static long redzone_damage(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != REDZONE_BYTE)
			return i;
	return -1;
}

/*
 * Whether @h's redzones are intact; if not, what is wrong in @msg, as
 * SLUB says it ("Redzone overwritten"), with the allocation site as an
 * offset into the image.
 */
static bool redzone_intact(const struct obj_hdr *h, char *msg, size_t len)
{
	if (h->kind == OBJ_SLAB || h->kind == OBJ_PAGE) {
		long bad = redzone_damage((unsigned char *)h->ptr + h->size,
					  REDZONE_BYTES);

		if (bad < 0)
			return true;
		snprintf(msg, len, "Redzone overwritten: %s object %p of %zu "
			 "bytes (allocated at image+%#lx): byte %zu is %#x, not %#x",
			 kind_names[h->kind], h->ptr, h->size, shim_image_offset(h->site),
			 h->size + bad, ((unsigned char *)h->ptr)[h->size + bad],
			 REDZONE_BYTE);
		return false;
	}
	if (h->kind != OBJ_PERCPU)
		return true;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		unsigned char *obj = (unsigned char *)h->ptr + __per_cpu_offset[cpu];
		long bad = redzone_damage(obj + h->unit, pcpu_redzone(h));

		if (bad < 0)
			continue;
		snprintf(msg, len, "Redzone overwritten: percpu object %p of %zu "
			 "bytes (allocated at image+%#lx), CPU %u's copy: byte %zu "
			 "is %#x, not %#x", h->ptr, h->unit, shim_image_offset(h->site), cpu,
			 h->unit + bad, obj[h->unit + bad], REDZONE_BYTE);
		return false;
	}
	return true;
}

/* A free finds the redzone damaged: the kernel's BUG, naming the object. */
static void check_redzone_on_free(const struct obj_hdr *h, const char *func)
{
	char msg[256];

	if (!redzone_intact(h, msg, sizeof(msg)))
		shim_bug(__FILE__, __LINE__, func, "%s", msg);
}

/**
 * hk_mem_check_redzones() - every live object's redzones, checked now
 * @buf: what is wrong with the first damaged one
 * @len: room in @buf
 *
 * Return: 1 if one is damaged, else 0.
 */
SHIM_EXPORT int hk_mem_check_redzones(char *buf, size_t len)
{
	struct obj_hdr *h;
	int damaged = 0;

	buf[0] = 0;
	pthread_mutex_lock(&mem_lock);
	list_for_each_entry(h, &live_objs, node)
		if (!redzone_intact(h, buf, len)) {
			damaged = 1;
			break;
		}
	pthread_mutex_unlock(&mem_lock);
	return damaged;
}

static void check_alloc_context(gfp_t flags, const char *func)
{
	if (gfpflags_allow_blocking(flags))
		shim_might_sleep(__FILE__, __LINE__, func);
}

/* ---- slab ---- */

struct slab_obj {
	struct obj_hdr hdr;
	unsigned char data[] __attribute__((aligned(16)));
};

static void *slab_alloc(size_t size, gfp_t flags, unsigned long site);

void *__kmalloc(size_t size, gfp_t flags)
{
	/* above it the kernel asks the page allocator for too high an order */
	if (size > KMALLOC_MAX_SIZE) {
		WARN(!(flags & __GFP_NOWARN),
		     "kmalloc of %zu bytes: KMALLOC_MAX_SIZE is %lu", size,
		     KMALLOC_MAX_SIZE);
		return NULL;
	}
	return slab_alloc(size, flags, _RET_IP_);
}

/**
 * __vmalloc() - virtually contiguous memory: kmalloc without its size limit
 * @size: bytes; above INT_MAX refused with a warning, as kvmalloc does
 * @flags: GFP flags (__GFP_ZERO zeroes)
 *
 * Return: the memory (freed with kfree/vfree/kvfree here), or NULL.
 */
void *__vmalloc(size_t size, gfp_t flags)
{
	if (size > INT_MAX) {
		WARN(!(flags & __GFP_NOWARN), "vmalloc of %zu bytes: above INT_MAX",
		     size);
		return NULL;
	}
	return slab_alloc(size, flags, _RET_IP_);
}

/* kmalloc, or a kmem_cache: accounted to the caller's call site, fault-injectable. */
static void *slab_alloc(size_t size, gfp_t flags, unsigned long site)
{
	struct slab_obj *o;

	check_alloc_context(flags, "kmalloc");
	if (shim_should_fail_alloc(SHIM_FAIL_SLAB, size, flags))
		return NULL;
	if (!size)
		return ZERO_SIZE_PTR;
	o = malloc(sizeof(*o) + size + REDZONE_BYTES);
	if (!o)
		return NULL;
	if (flags & __GFP_ZERO)
		memset(o->data, 0, size);
	else
		memset(o->data, 0x6b, size);	/* POISON_INUSE-ish garbage */
	memset(o->data + size, REDZONE_BYTE, REDZONE_BYTES);
	track(&o->hdr, OBJ_SLAB, o->data, size, site);
	return o->data;
}

void kfree(const void *objp)
{
	struct slab_obj *o;

	if (!objp || objp == ZERO_SIZE_PTR)
		return;
	o = container_of((void *)objp, struct slab_obj, data);
	if (o->hdr.magic == OBJ_FREED)
		shim_bug(__FILE__, __LINE__, "kfree",
			 "double free of object %p", objp);
	if (o->hdr.magic != OBJ_MAGIC || o->hdr.kind != OBJ_SLAB)
		shim_bug(__FILE__, __LINE__, "kfree",
			 "kfree of %p, which kmalloc did not return", objp);
	check_redzone_on_free(&o->hdr, "kfree");
	untrack(&o->hdr);
	free(o);
}

/* ---- kmem_cache: named, fixed-size slab objects ---- */

struct kmem_cache {
	const char *name;
	size_t size;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	atomic_long_t live;
};

/**
 * kmem_cache_create() - a cache of @size-byte objects
 * @name: for reports
 * @size: object size
 * @align: alignment (up to 16 here)
 * @flags: SLAB_* flags; SLAB_PANIC makes a failure a BUG
 * @ctor: run on every new object, or NULL
 *
 * Return: the cache, or NULL.
 */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *))
{
	struct kmem_cache *s;

	might_sleep();
	s = size && align <= 16 ? slab_alloc(sizeof(*s), GFP_KERNEL | __GFP_ZERO,
					     _RET_IP_) : NULL;
	if (!s) {
		if (flags & SLAB_PANIC)
			shim_bug(__FILE__, __LINE__, __func__,
				 "kmem_cache_create(%s) failed", name);
		return NULL;
	}
	s->name = name;
	s->size = size;
	s->flags = flags;
	s->ctor = ctor;
	return s;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	void *obj = slab_alloc(s->size, flags, _RET_IP_);

	if (obj) {
		atomic_long_inc(&s->live);
		if (s->ctor)
			s->ctor(obj);
	}
	return obj;
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)
{
	void *obj = slab_alloc(s->size, flags | __GFP_ZERO, _RET_IP_);

	if (obj)
		atomic_long_inc(&s->live);
	return obj;
}

void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (!obj)
		return;
	if (ksize(obj) != s->size)
		shim_bug(__FILE__, __LINE__, __func__,
			 "cache_from_obj: wrong slab cache: %s object of %zu "
			 "bytes freed to %s", s->name, ksize(obj), s->name);
	atomic_long_dec(&s->live);
	kfree(obj);
}

/* As SLUB: objects still allocated are a bug of the cache's user. */
void kmem_cache_destroy(struct kmem_cache *s)
{
	long live;

	if (!s)
		return;
	might_sleep();
	live = atomic_long_read(&s->live);
	if (live)
		shim_report(SHIM_REPORT_DEBUG, __FILE__, __LINE__, __func__,
			    "kmem_cache_destroy %s: Slab cache still has "
			    "objects (%ld)", s->name, live);
	kfree(s);
}

size_t ksize(const void *objp)
{
	const struct slab_obj *o = container_of(objp, struct slab_obj, data);

	return o->hdr.size;
}

/* ---- pages ---- */

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	unsigned long site = _RET_IP_;
	size_t size = PAGE_SIZE << order;
	struct obj_hdr *h;
	void *p;

	check_alloc_context(gfp_mask, "__get_free_pages");
	if (order >= MAX_ORDER) {
		WARN(!(gfp_mask & __GFP_NOWARN),
		     "page allocation of order %u: MAX_ORDER is %d", order,
		     MAX_ORDER);
		return 0;
	}
	if (shim_should_fail_alloc(SHIM_FAIL_PAGE, size, gfp_mask))
		return 0;
	/* a page more, the start of which is the redzone */
	p = aligned_alloc(PAGE_SIZE, size + PAGE_SIZE);
	h = malloc(sizeof(*h));
	if (!p || !h) {
		free(p);
		free(h);
		return 0;
	}
	memset(p, (gfp_mask & __GFP_ZERO) ? 0 : 0x5a, size);
	memset((char *)p + size, REDZONE_BYTE, REDZONE_BYTES);
	h->order = order;
	track(h, OBJ_PAGE, p, size, site);
	return (unsigned long)p;
}

unsigned long get_zeroed_page(gfp_t gfp_mask)
{
	return __get_free_pages(gfp_mask | __GFP_ZERO, 0);
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct obj_hdr *h;

	if (!addr)
		return;
	h = find_obj((void *)addr, OBJ_PAGE);
	if (!h)
		shim_bug(__FILE__, __LINE__, "free_pages",
			 "free_pages of %#lx: not allocated, or freed twice",
			 addr);
	if (h->order != order)
		shim_bug(__FILE__, __LINE__, "free_pages",
			 "free_pages of %#lx with order %u, allocated with "
			 "order %u", addr, order, h->order);
	check_redzone_on_free(h, "free_pages");
	untrack(h);
	free((void *)addr);
	free(h);
}

/* ---- per-cpu areas ---- */

unsigned long __per_cpu_offset[NR_CPUS];
char *shim_pcpu_static;		/* the static area's __percpu address */
static char *pcpu_base;		/* guard unit, then one unit per CPU */
static size_t pcpu_map_len;
static DECLARE_BITMAP(pcpu_used, PCPU_NR_CHUNKS);

static long pcpu_find_free(unsigned int nchunks)
{
	unsigned long start = 0;

	while (start + nchunks <= PCPU_NR_CHUNKS) {
		unsigned long used = find_next_bit(pcpu_used, start + nchunks,
						   start);

		if (used >= start + nchunks)
			return start;
		start = used + 1;
	}
	return -1;
}

void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	unsigned long site = _RET_IP_;
	unsigned int nchunks;
	struct obj_hdr *h;
	long chunk;
	void *ptr;

	check_alloc_context(gfp, "__alloc_percpu");
	if (!size || size > PCPU_UNIT_SIZE || align > PCPU_CHUNK ||
	    (align & (align - 1))) {
		WARN(1, "illegal size (%zu) or align (%zu) for percpu allocation",
		     size, align);
		return NULL;
	}
	if (shim_should_fail_alloc(SHIM_FAIL_PERCPU, size, gfp))
		return NULL;
	h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	nchunks = DIV_ROUND_UP(size + REDZONE_BYTES, PCPU_CHUNK);
	pthread_mutex_lock(&mem_lock);
	chunk = pcpu_find_free(nchunks);
	if (chunk >= 0)
		bitmap_set(pcpu_used, chunk, nchunks);
	pthread_mutex_unlock(&mem_lock);
	if (chunk < 0) {
		free(h);
		return NULL;
	}
	/* the returned pointer lies in the guard unit: only offsets reach memory */
	ptr = pcpu_base + chunk * PCPU_CHUNK;
	h->unit = size;
	h->pcpu_chunk = chunk;
	h->order = nchunks;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		memset((char *)ptr + __per_cpu_offset[cpu], 0, size);
		memset((char *)ptr + __per_cpu_offset[cpu] + size, REDZONE_BYTE,
		       pcpu_redzone(h));
	}
	track(h, OBJ_PERCPU, ptr, size * nr_cpu_ids, site);
	return ptr;
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	return __alloc_percpu_gfp(size, align, GFP_KERNEL);
}

void free_percpu(void __percpu *ptr)
{
	struct obj_hdr *h;

	if (!ptr)
		return;
	h = find_obj(ptr, OBJ_PERCPU);
	if (!h)
		shim_bug(__FILE__, __LINE__, "free_percpu",
			 "free_percpu of %p: not allocated, or freed twice", ptr);
	check_redzone_on_free(h, "free_percpu");
	untrack(h);
	pthread_mutex_lock(&mem_lock);
	bitmap_clear(pcpu_used, h->pcpu_chunk, h->order);
	pthread_mutex_unlock(&mem_lock);
	free(h);
}

/* Which CPU's per-cpu unit @addr lies in, or -1. */
int shim_pcpu_cpu_of(const volatile void *addr)
{
	unsigned long off = (const char *)addr - pcpu_base;

	if (!pcpu_base || (const char *)addr < pcpu_base + PCPU_UNIT_SIZE ||
	    off >= pcpu_map_len)
		return -1;
	return off / PCPU_UNIT_SIZE - 1;
}

/* The first chunks of every unit: a copy of the DEFINE_PER_CPU template each. */
static int pcpu_static_boot(void)
{
	size_t size = __stop_shim_percpu - __start_shim_percpu;
	unsigned int nchunks = DIV_ROUND_UP(size, PCPU_CHUNK);

	if (!size)
		return 0;
	if (size > PCPU_UNIT_SIZE / 2)
		return -ENOMEM;
	bitmap_set(pcpu_used, 0, nchunks);
	shim_pcpu_static = pcpu_base;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		memcpy(pcpu_base + __per_cpu_offset[cpu], __start_shim_percpu, size);
	return 0;
}

int shim_mem_boot(void)
{
	pcpu_map_len = PCPU_UNIT_SIZE * (nr_cpu_ids + 1);
	pcpu_base = mmap(NULL, pcpu_map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pcpu_base == MAP_FAILED) {
		pcpu_base = NULL;
		return -ENOMEM;
	}
	if (mprotect(pcpu_base, PCPU_UNIT_SIZE, PROT_NONE))
		return -ENOMEM;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		__per_cpu_offset[cpu] = (cpu + 1) * PCPU_UNIT_SIZE;
	return pcpu_static_boot();
}

void shim_mem_stats(struct hk_mem_stats *st)
{
	pthread_mutex_lock(&mem_lock);
	st->slab_objs = live_count[OBJ_SLAB];
	st->slab_bytes = live_bytes[OBJ_SLAB];
	st->page_objs = live_count[OBJ_PAGE];
	st->page_bytes = live_bytes[OBJ_PAGE];
	st->percpu_objs = live_count[OBJ_PERCPU];
	st->percpu_bytes = live_bytes[OBJ_PERCPU];
	st->injected = shim_faults_injected();
	pthread_mutex_unlock(&mem_lock);
}

/*
 * One line per live object, with where it was allocated as an offset into
 * the image ("image+0x1234"): most kernel functions are static, which only
 * the image's debug info can name, so the Python side symbolizes it.
 */
size_t shim_mem_leaks(char *buf, size_t len)
{
	struct obj_hdr *h;
	size_t used = 0;

	buf[0] = 0;
	pthread_mutex_lock(&mem_lock);
	list_for_each_entry(h, &live_objs, node) {
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "unreferenced %s object %p size %zu, "
				 "allocated at image+%#lx\n",
				 kind_names[h->kind], h->ptr, h->size,
				 shim_image_offset(h->site));
		if (used >= len)
			break;
	}
	pthread_mutex_unlock(&mem_lock);
	return used;
}

void shim_mem_shutdown(void)
{
	struct obj_hdr *h, *n;

	pthread_mutex_lock(&mem_lock);
	list_for_each_entry_safe(h, n, &live_objs, node) {
		list_del(&h->node);
		if (h->kind == OBJ_SLAB) {
			free(container_of(h, struct slab_obj, hdr));
			continue;
		}
		if (h->kind == OBJ_PAGE)
			free(h->ptr);
		free(h);
	}
	memset(live_count, 0, sizeof(live_count));
	memset(live_bytes, 0, sizeof(live_bytes));
	pthread_mutex_unlock(&mem_lock);
	if (pcpu_base)
		munmap(pcpu_base, pcpu_map_len);
	pcpu_base = NULL;
}
