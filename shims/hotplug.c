// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug with stop-machine semantics.  Going down, the control task
 * takes the dying vCPU's token, which it gets only when no task there is
 * inside an irq-off or preempt-off section; it runs the AP teardown callbacks
 * (CPU_DYING) there, marks the CPU offline and lets go; then, from another
 * online vCPU, it runs the PREPARE/DEAD section (CPU_DEAD).  Tasks that come
 * back to a dead vCPU are migrated by the scheduler.
 */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include "internal.h"

struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	bool used;
};

static struct cpuhp_step steps[CPUHP_ONLINE + 1];
static struct notifier_block *cpu_chain;
static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct task_struct cpuhp_task;

void shim_hotplug_boot(void)
{
	shim_task_init(&cpuhp_task, "cpuhp", PF_HARNESS);
}

/* Registration may sleep for a hotplug operation: give the vCPU up meanwhile. */
static void hotplug_write_lock(void)
{
	if (pthread_rwlock_trywrlock(&hotplug_lock)) {
		shim_block_begin();
		pthread_rwlock_wrlock(&hotplug_lock);
		shim_block_end();
	}
}

static int notify(unsigned long action, unsigned int cpu)
{
	struct notifier_block *nb;
	int ret = NOTIFY_DONE;

	for (nb = cpu_chain; nb; nb = nb->next) {
		ret = nb->notifier_call(nb, action, (void *)(unsigned long)cpu);
		if (ret & NOTIFY_STOP_MASK)
			break;
	}
	return ret;
}

int register_cpu_notifier(struct notifier_block *nb)
{
	struct notifier_block **p;

	might_sleep();
	hotplug_write_lock();
	for (p = &cpu_chain; *p && (*p)->priority >= nb->priority; p = &(*p)->next)
		;
	nb->next = *p;
	*p = nb;
	pthread_rwlock_unlock(&hotplug_lock);
	return 0;
}

void unregister_cpu_notifier(struct notifier_block *nb)
{
	struct notifier_block **p;

	might_sleep();
	hotplug_write_lock();
	for (p = &cpu_chain; *p; p = &(*p)->next) {
		if (*p == nb) {
			*p = nb->next;
			break;
		}
	}
	pthread_rwlock_unlock(&hotplug_lock);
}

static int dyn_slot(enum cpuhp_state state)
{
	int first, last;

	if (state == CPUHP_AP_ONLINE_DYN) {
		first = CPUHP_AP_ONLINE_DYN;
		last = CPUHP_AP_ONLINE_DYN_END;
	} else if (state == CPUHP_BP_PREPARE_DYN) {
		first = CPUHP_BP_PREPARE_DYN;
		last = CPUHP_BP_PREPARE_DYN_END;
	} else {
		return state;
	}
	for (int i = first; i < last; i++)
		if (!steps[i].used)
			return i;
	return -ENOSPC;
}

int __cpuhp_setup_state(enum cpuhp_state state, const char *name, bool invoke,
			int (*startup)(unsigned int cpu),
			int (*teardown)(unsigned int cpu), bool multi_instance)
{
	unsigned int cpu;
	int slot, ret = 0;

	if (state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE || !name)
		return -EINVAL;
	might_sleep();
	hotplug_write_lock();
	slot = dyn_slot(state);
	if (slot < 0 || steps[slot].used) {
		pthread_rwlock_unlock(&hotplug_lock);
		return slot < 0 ? slot : -EBUSY;
	}
	steps[slot] = (struct cpuhp_step){ name, startup, teardown, true };
	if (invoke && startup) {
		for_each_online_cpu(cpu) {
			ret = startup(cpu);
			if (ret)
				break;
		}
		if (ret) {
			unsigned int undo;

			for_each_online_cpu(undo) {
				if (undo >= cpu)
					break;
				if (teardown)
					teardown(undo);
			}
			steps[slot].used = false;
		}
	}
	pthread_rwlock_unlock(&hotplug_lock);
	if (ret)
		return ret;
	/* dynamic states hand back the state they were given */
	return slot != (int)state ? slot : 0;
}

void __cpuhp_remove_state(enum cpuhp_state state, bool invoke)
{
	unsigned int cpu;

	if (state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE)
		return;
	might_sleep();
	hotplug_write_lock();
	if (steps[state].used && invoke && steps[state].teardown)
		for_each_online_cpu(cpu)
			steps[state].teardown(cpu);
	steps[state].used = false;
	pthread_rwlock_unlock(&hotplug_lock);
}

static int run_teardown(unsigned int cpu, int from, int to)
{
	for (int st = from; st > to; st--) {
		if (!steps[st].used || !steps[st].teardown)
			continue;
		shim_trace("cpuhp_teardown", cpu, st);
		steps[st].teardown(cpu);
	}
	return 0;
}

static int run_startup(unsigned int cpu, int from, int to)
{
	for (int st = from; st < to; st++) {
		int ret;

		if (!steps[st].used || !steps[st].startup)
			continue;
		shim_trace("cpuhp_startup", cpu, st);
		ret = steps[st].startup(cpu);
		if (ret)
			return ret;
	}
	return 0;
}

/* Run the control part on any online vCPU but @cpu, as the hotplug task. */
static void on_control_cpu(unsigned int cpu, void (*fn)(unsigned int cpu))
{
	for (;;) {
		unsigned int ctl;

		for_each_online_cpu(ctl)
			if (ctl != cpu)
				break;
		if (ctl >= nr_cpu_ids)
			ctl = cpu;
		if (!shim_task_enter(&cpuhp_task, ctl))
			break;
		shim_check_dead();
	}
	fn(cpu);
	shim_task_leave(&cpuhp_task);
}

static void down_prepare(unsigned int cpu)
{
	notify(CPU_DOWN_PREPARE, cpu);
}

static void down_dead(unsigned int cpu)
{
	run_teardown(cpu, CPUHP_AP_OFFLINE - 1, CPUHP_OFFLINE);
	notify(CPU_DEAD, cpu);
	notify(CPU_POST_DEAD, cpu);
}

static void up_prepare(unsigned int cpu)
{
	notify(CPU_UP_PREPARE, cpu);
	run_startup(cpu, CPUHP_OFFLINE + 1, CPUHP_AP_OFFLINE);
}

static void up_online(unsigned int cpu)
{
	notify(CPU_ONLINE, cpu);
}

int shim_do_cpu_down(unsigned int cpu)
{
	struct task_struct *saved = shim_current;
	struct vcpu *v;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	pthread_rwlock_wrlock(&hotplug_lock);
	v = &shim_vcpus[cpu];
	if (!READ_ONCE(v->online) || num_online_cpus() == 1) {
		pthread_rwlock_unlock(&hotplug_lock);
		return READ_ONCE(v->online) ? -EBUSY : -EINVAL;
	}
	cpuhp_task.bug_jmp = saved ? saved->bug_jmp : NULL;
	shim_current = &cpuhp_task;
	shim_trace("cpu_down", cpu, 0);
	on_control_cpu(cpu, down_prepare);

	/* stop-machine: nobody on @cpu is in an atomic section once we own it */
	if (shim_vcpu_lock(v))
		shim_die();
	v->curr = &cpuhp_task;
	WRITE_ONCE(cpuhp_task.vcpu, v);
	WRITE_ONCE(cpuhp_task.cpu, cpu);
	run_teardown(cpu, CPUHP_ONLINE - 1, CPUHP_AP_OFFLINE);
	cpuhp_task.irqs_off = 1;
	notify(CPU_DYING, cpu);
	cpuhp_task.irqs_off = 0;
	clear_bit(cpu, __cpu_active_mask.bits);
	clear_bit(cpu, __cpu_online_mask.bits);
	WRITE_ONCE(v->online, 0);
	__atomic_store_n(&v->pending_irqs, 0, __ATOMIC_RELAXED);	/* nobody to take them */
	shim_task_leave(&cpuhp_task);

	on_control_cpu(cpu, down_dead);
	shim_current = saved;
	pthread_rwlock_unlock(&hotplug_lock);
	return 0;
}

int shim_do_cpu_up(unsigned int cpu)
{
	struct task_struct *saved = shim_current;
	struct vcpu *v;
	int ret;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	pthread_rwlock_wrlock(&hotplug_lock);
	v = &shim_vcpus[cpu];
	if (READ_ONCE(v->online)) {
		pthread_rwlock_unlock(&hotplug_lock);
		return -EINVAL;
	}
	cpuhp_task.bug_jmp = saved ? saved->bug_jmp : NULL;
	shim_current = &cpuhp_task;
	shim_trace("cpu_up", cpu, 0);
	on_control_cpu(cpu, up_prepare);

	if (shim_vcpu_lock(v))
		shim_die();
	v->curr = &cpuhp_task;
	WRITE_ONCE(cpuhp_task.vcpu, v);
	WRITE_ONCE(cpuhp_task.cpu, cpu);
	cpuhp_task.irqs_off = 1;
	notify(CPU_STARTING, cpu);
	cpuhp_task.irqs_off = 0;
	WRITE_ONCE(v->online, 1);
	set_bit(cpu, __cpu_online_mask.bits);
	set_bit(cpu, __cpu_active_mask.bits);
	ret = run_startup(cpu, CPUHP_AP_OFFLINE + 1, CPUHP_ONLINE);
	shim_task_leave(&cpuhp_task);

	on_control_cpu(cpu, up_online);
	shim_current = saved;
	pthread_rwlock_unlock(&hotplug_lock);
	return ret;
}

/* Kernel code that offlines a CPU sleeps for it, as in the kernel. */
int cpu_down(unsigned int cpu)
{
	int ret;

	might_sleep();
	shim_block_begin();
	ret = shim_do_cpu_down(cpu);
	shim_block_end();
	return ret;
}

int cpu_up(unsigned int cpu)
{
	int ret;

	might_sleep();
	shim_block_begin();
	ret = shim_do_cpu_up(cpu);
	shim_block_end();
	return ret;
}

void cpus_read_lock(void)
{
	might_sleep();
	/* one host thread under the deterministic engine: wait, do not block */
	while (shim_det_active && pthread_rwlock_tryrdlock(&hotplug_lock))
		shim_sched_point(SP_RELAX, NULL);
	if (!shim_det_active && pthread_rwlock_tryrdlock(&hotplug_lock)) {
		shim_block_begin();
		pthread_rwlock_rdlock(&hotplug_lock);
		shim_block_end();
	}
}

void cpus_read_unlock(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

static int harness_hotplug(int (*op)(unsigned int), int cpu)
{
	struct task_struct *saved = shim_current;
	jmp_buf jb;
	int ret;

	if (__atomic_load_n(&shim_kernel_dead, __ATOMIC_ACQUIRE))
		return -HK_EDEAD;
	if (cpu < 0)
		return -EINVAL;
	shim_current = &cpuhp_task;
	cpuhp_task.bug_jmp = &jb;
	if (setjmp(jb)) {
		/* a callback hit a BUG: the kernel is dead, free what we hold */
		if (cpuhp_task.vcpu)
			shim_task_leave(&cpuhp_task);
		pthread_rwlock_unlock(&hotplug_lock);
		ret = -HK_EBUG;
	} else {
		ret = op(cpu);
	}
	cpuhp_task.bug_jmp = NULL;
	shim_current = saved;
	return ret;
}

/**
 * hk_cpu_down() - take vCPU @cpu offline from outside the kernel
 * @cpu: the vCPU
 *
 * Return: 0, -EINVAL (no such CPU, or already offline), -EBUSY (the last
 * online CPU).
 */
SHIM_EXPORT int hk_cpu_down(int cpu)
{
	return harness_hotplug(shim_do_cpu_down, cpu);
}

/**
 * hk_cpu_up() - bring vCPU @cpu back online from outside the kernel
 * @cpu: the vCPU
 *
 * Return: 0, -EINVAL (no such CPU, or already online), or a startup error.
 */
SHIM_EXPORT int hk_cpu_up(int cpu)
{
	return harness_hotplug(shim_do_cpu_up, cpu);
}
