/* cpuhp_setup_state with an ONLINE callback that asks its CPU number */
#include <linux/cpuhotplug.h>
#include <linux/smp.h>

static int probe_online(unsigned int cpu)
{
	return smp_processor_id() == (int)cpu ? 0 : -EINVAL;
}

int probe(void)
{
	return cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "probe:online", probe_online, NULL);
}
