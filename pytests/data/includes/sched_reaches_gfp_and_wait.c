/* sched.h alone (3.x era): gfp flags, per-cpu pointers, wait queues and the
 * signal helpers that later moved to sched/signal.h. */
#include <linux/sched.h>

static DECLARE_WAIT_QUEUE_HEAD(probe_wait);

int probe(int state)
{
	DEFINE_WAIT(wait);
	gfp_t gfp = GFP_KERNEL;
	int cpu = raw_smp_processor_id();

	prepare_to_wait(&probe_wait, &wait, state);
	if (signal_pending_state(state, current))
		cpu = -ERESTARTSYS;
	finish_wait(&probe_wait, &wait);
	return (gfp & __GFP_WAIT) ? cpu : 0;
}
