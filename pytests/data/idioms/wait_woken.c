/* wait_woken() with woken_wake_function */
#include <linux/wait.h>
#include <linux/sched.h>

static DECLARE_WAIT_QUEUE_HEAD(probe_wq);

long probe(int (*cond)(void))
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeout = MAX_SCHEDULE_TIMEOUT;

	add_wait_queue(&probe_wq, &wait);
	while (!cond())
		timeout = wait_woken(&wait, TASK_INTERRUPTIBLE, timeout);
	remove_wait_queue(&probe_wq, &wait);
	return timeout;
}
