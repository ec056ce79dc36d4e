/* kernel.h and slab.h alone, as the first sbitmap.h includes them: wait
 * queues, atomics and per-cpu pointers come through gfp.h's zone
 * definitions, EXPORT_SYMBOL through linkage.h, ilog2() with kernel.h. */
#include <linux/kernel.h>
#include <linux/slab.h>

struct probe_queue {
	atomic_t count;
	wait_queue_head_t wait;
	unsigned int __percpu *hint;
};

int probe(struct probe_queue *q)
{
	init_waitqueue_head(&q->wait);
	q->hint = alloc_percpu_gfp(unsigned int, GFP_KERNEL);
	atomic_set(&q->count, 0);
	return q->hint ? ilog2(BITS_PER_LONG) : -ENOMEM;
}
EXPORT_SYMBOL_GPL(probe);
