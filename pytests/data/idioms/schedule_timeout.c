/* schedule_timeout_*() returning the jiffies left */
#include <linux/sched.h>

long probe(void)
{
	long left = schedule_timeout_interruptible(HZ);

	set_current_state(TASK_UNINTERRUPTIBLE);
	return left + schedule_timeout(1) + schedule_timeout_uninterruptible(0);
}
