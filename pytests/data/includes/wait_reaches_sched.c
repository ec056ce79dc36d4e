/* wait.h alone: current, TASK_* and schedule(). */
#include <linux/wait.h>

void probe(wait_queue_head_t *q)
{
	DEFINE_WAIT(wait);

	prepare_to_wait_exclusive(q, &wait, TASK_UNINTERRUPTIBLE);
	schedule();
	finish_wait(q, &wait);
	wake_up(q);
}
