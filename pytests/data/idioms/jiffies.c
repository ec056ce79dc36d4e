/* <linux/jiffies.h>: jiffies, HZ, conversions and time_after() */
#include <linux/jiffies.h>

static unsigned long deadline;

bool probe(unsigned int ms)
{
	unsigned long now = jiffies;

	if (!deadline)
		deadline = now + msecs_to_jiffies(ms) + HZ / 10;
	return time_after(now, deadline) || time_is_before_jiffies(deadline) ||
	       jiffies_to_msecs(now - deadline) > 1000;
}
