/* wait_event_timeout() and wait_event_interruptible_timeout() */
#include <linux/wait.h>
#include <linux/jiffies.h>

static DECLARE_WAIT_QUEUE_HEAD(probe_wq);
static int ready;

long probe(void)
{
	long left = wait_event_timeout(probe_wq, READ_ONCE(ready), HZ);

	if (!left)
		return -ETIMEDOUT;
	return wait_event_interruptible_timeout(probe_wq, READ_ONCE(ready), left);
}
