/* <linux/delay.h>: msleep, usleep_range, udelay */
#include <linux/delay.h>

void probe(void)
{
	msleep(1);
	usleep_range(10, 20);
	udelay(2);
	(void)msleep_interruptible(1);
}
