/* kmem_cache_create/alloc/free/destroy and KMEM_CACHE() */
#include <linux/slab.h>

struct request {
	int tag;
	void *data;
};

static struct kmem_cache *req_cache;

int probe(void)
{
	struct request *rq;

	req_cache = KMEM_CACHE(request, SLAB_HWCACHE_ALIGN);
	if (!req_cache)
		return -ENOMEM;
	rq = kmem_cache_zalloc(req_cache, GFP_KERNEL);
	if (rq)
		kmem_cache_free(req_cache, rq);
	rq = kmem_cache_alloc(req_cache, GFP_ATOMIC);
	kmem_cache_free(req_cache, rq);
	kmem_cache_destroy(req_cache);
	return 0;
}
