/* CONFIG_* and IS_ENABLED() as the modelled kernel is configured: SMP, hotplug, debug */
#include <linux/kernel.h>
#include <linux/cpu.h>

#ifdef CONFIG_HOTPLUG_CPU
static int probe_dead(unsigned int cpu)
{
	return 0;
}
#endif

int probe(void)
{
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_SMP));
	BUILD_BUG_ON(IS_ENABLED(CONFIG_PREEMPT_RT));
#if IS_ENABLED(CONFIG_HOTPLUG_CPU)
	return cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "probe:dead", NULL,
					 probe_dead);
#else
#error "a hotplug-capable kernel"
#endif
}
