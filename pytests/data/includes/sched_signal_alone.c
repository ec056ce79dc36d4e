/* sched/signal.h alone (4.11 on): the task states and signal tests. */
#include <linux/sched/signal.h>

int probe(void)
{
	return signal_pending_state(TASK_INTERRUPTIBLE, current) ||
	       fatal_signal_pending(current);
}
