/* <linux/completion.h>: wait for and signal a completion */
#include <linux/completion.h>
#include <linux/jiffies.h>

static DECLARE_COMPLETION(probe_done);

long probe(struct completion *c)
{
	init_completion(c);
	complete(c);
	wait_for_completion(c);
	reinit_completion(c);
	complete_all(&probe_done);
	return wait_for_completion_timeout(c, msecs_to_jiffies(10)) +
	       completion_done(&probe_done);
}
