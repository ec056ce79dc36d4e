/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_CPU_H
#define _LINUX_CPU_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/notifier.h>
#include <linux/cpuhotplug.h>

/* CPU notifier actions (before 4.10 these were the only hotplug hooks). */
#define CPU_ONLINE		0x0002
#define CPU_UP_PREPARE		0x0003
#define CPU_UP_CANCELED		0x0004
#define CPU_DOWN_PREPARE	0x0005
#define CPU_DOWN_FAILED		0x0006
#define CPU_DEAD		0x0007
#define CPU_DYING		0x0008
#define CPU_POST_DEAD		0x0009
#define CPU_STARTING		0x000A
#define CPU_DYING_IDLE		0x000B
#define CPU_BROKEN		0x000C
#define CPU_TASKS_FROZEN	0x0010
#define CPU_ONLINE_FROZEN	(CPU_ONLINE | CPU_TASKS_FROZEN)
#define CPU_UP_PREPARE_FROZEN	(CPU_UP_PREPARE | CPU_TASKS_FROZEN)
#define CPU_DEAD_FROZEN		(CPU_DEAD | CPU_TASKS_FROZEN)
#define CPU_DOWN_PREPARE_FROZEN	(CPU_DOWN_PREPARE | CPU_TASKS_FROZEN)

#define CPU_PRI_PERF		20
#define CPU_PRI_WORKQUEUE_UP	5

int register_cpu_notifier(struct notifier_block *nb);
void unregister_cpu_notifier(struct notifier_block *nb);
#define __register_cpu_notifier		register_cpu_notifier
#define __unregister_cpu_notifier	unregister_cpu_notifier
#define register_hotcpu_notifier	register_cpu_notifier
#define unregister_hotcpu_notifier	unregister_cpu_notifier
#define hotcpu_notifier(fn, pri) do {					\
	static struct notifier_block fn##_nb = {			\
		.notifier_call = fn, .priority = pri };			\
	register_cpu_notifier(&fn##_nb);				\
} while (0)
#define cpu_notifier(fn, pri)	hotcpu_notifier(fn, pri)

int cpu_down(unsigned int cpu);
int cpu_up(unsigned int cpu);
void cpus_read_lock(void);
void cpus_read_unlock(void);
#define get_online_cpus()		cpus_read_lock()
#define put_online_cpus()		cpus_read_unlock()
#define cpu_notifier_register_begin()	cpus_read_lock()
#define cpu_notifier_register_done()	cpus_read_unlock()
#define cpu_hotplug_disable()		cpus_read_lock()
#define cpu_hotplug_enable()		cpus_read_unlock()

#endif /* _LINUX_CPU_H */
