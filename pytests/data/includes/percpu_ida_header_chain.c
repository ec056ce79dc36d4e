/* What a 3.12-3.14 percpu_ida.h includes (types, bitops, init, sched,
 * spinlock_types, wait, cpumask): a file using only those still reaches
 * spinlocks, wait queues and per-cpu pointers. */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/spinlock_types.h>
#include <linux/wait.h>
#include <linux/cpumask.h>

struct probe_pool {
	spinlock_t lock;
	wait_queue_head_t wait;
	cpumask_t cpus;
	unsigned int __percpu *count;
};

void probe(struct probe_pool *pool)
{
	unsigned long flags;

	local_irq_save(flags);
	spin_lock(&pool->lock);
	cpumask_set_cpu(smp_processor_id(), &pool->cpus);
	(*this_cpu_ptr(pool->count))++;
	spin_unlock(&pool->lock);
	local_irq_restore(flags);
	wake_up(&pool->wait);
}
