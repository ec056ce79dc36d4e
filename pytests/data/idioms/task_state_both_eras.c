/* current->__state (5.14+) and current->state (before) */
#include <linux/sched.h>

bool probe(void)
{
	return READ_ONCE(current->__state) == TASK_RUNNING &&
	       READ_ONCE(current->state) == TASK_RUNNING;
}
