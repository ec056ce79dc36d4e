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
static struct task_struct cpuhp_task;		/* the control task */
static struct task_struct cpuhp_threads[NR_CPUS];	/* cpuhp/N, bound to N */
static uint64_t stopped_cpus;	/* the vCPUs stop_machine() holds */
static bool refuse_next;	/* the deterministic engine's decision */

/*
 * The next operation is refused by a callback at the end of its preparation,
 * after the real callbacks ran: cpu_down at the end of the ONLINE teardown
 * (-EBUSY), cpu_up at the end of PREPARE (-ENOMEM).  Its unwinding runs.
 */
void shim_hotplug_refuse_next(bool refuse)
{
	refuse_next = refuse;
}

void shim_hotplug_boot(void)
{
	shim_task_init(&cpuhp_task, "cpuhp", PF_HARNESS);
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		char name[TASK_COMM_LEN];

		snprintf(name, sizeof(name), "cpuhp/%u", cpu);
		shim_task_init(&cpuhp_threads[cpu], name,
			       PF_HARNESS | PF_NO_SETAFFINITY);
		cpuhp_threads[cpu].cpu = cpu;
	}
}

/* A hotplug operation's exclusion; one host thread in the deterministic engine. */
static void hotplug_op_lock(void)
{
	while (shim_det_active && pthread_rwlock_trywrlock(&hotplug_lock))
		shim_sched_point(SP_RELAX, NULL);
	if (!shim_det_active)
		pthread_rwlock_wrlock(&hotplug_lock);
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

/*
 * The sections of a CPU's states, as the kernel divides them: PREPARE/DEAD on
 * a control CPU, STARTING/DYING on the CPU itself with irqs off, and the
 * ONLINE states in that CPU's hotplug thread, bound to it.
 */
#define BP_FIRST	(CPUHP_OFFLINE + 1)
#define BP_LAST		(CPUHP_AP_OFFLINE - 1)
#define STARTING_FIRST	(CPUHP_AP_OFFLINE + 1)
#define STARTING_LAST	(CPUHP_AP_ONLINE - 1)
#define AP_FIRST	(CPUHP_AP_ONLINE_IDLE + 1)
#define AP_LAST		(CPUHP_ONLINE - 1)

static bool atomic_state(int st)
{
	return st >= STARTING_FIRST && st <= STARTING_LAST;
}

static bool ap_thread_state(int st)
{
	return st >= AP_FIRST && st <= AP_LAST;
}

/* A callback of a section that must not fail did: the kernel WARNs. */
static void nofail(int ret, int st, const char *what, unsigned int cpu)
{
	if (ret)
		shim_report(SHIM_REPORT_WARN, __FILE__, __LINE__, what,
			    "cpuhp state %d (%s) failed with %d on CPU %u, "
			    "which the kernel does not allow", st,
			    steps[st].name ? steps[st].name : "?", ret, cpu);
}

static int invoke(int st, bool bringup, unsigned int cpu)
{
	int (*cb)(unsigned int) = bringup ? steps[st].startup : steps[st].teardown;

	if (!steps[st].used || !cb)
		return 0;
	shim_trace(bringup ? "cpuhp_startup" : "cpuhp_teardown", cpu, st);
	return cb(cpu);
}

/*
 * Bring states @first..@last up in order.  On a failure, tear down the ones
 * already up, newest first, and return the error: the CPU is left as it was.
 */
static int startup_range(unsigned int cpu, int first, int last)
{
	for (int st = first; st <= last; st++) {
		int ret = invoke(st, true, cpu);

		if (ret) {
			while (--st >= first)
				invoke(st, false, cpu);
			return ret;
		}
	}
	return 0;
}

/* Tear states @last..@first down; a failure brings those already down back. */
static int teardown_range(unsigned int cpu, int last, int first)
{
	for (int st = last; st >= first; st--) {
		int ret = invoke(st, false, cpu);

		if (ret) {
			while (++st <= last)
				invoke(st, true, cpu);
			return ret;
		}
	}
	return 0;
}

/* Sections that cannot fail: a failure is reported and the walk goes on. */
static void range_nofail(unsigned int cpu, int from, int to, bool bringup)
{
	int step = bringup ? 1 : -1;

	for (int st = from; st != to + step; st += step)
		nofail(invoke(st, bringup, cpu), st, bringup ? "cpuhp_startup" :
		       "cpuhp_teardown", cpu);
}

/*
 * The notifier chain (before 4.10): call the first @nr_to_call (all if -1),
 * counting the calls in @nr_calls.  A NOTIFY_BAD stops the walk: its errno.
 */
static int notify_some(unsigned long action, unsigned int cpu, int nr_to_call,
		       int *nr_calls)
{
	struct notifier_block *nb;
	int ret = NOTIFY_DONE;

	for (nb = cpu_chain; nb && nr_to_call; nb = nb->next, nr_to_call--) {
		ret = nb->notifier_call(nb, action, (void *)(unsigned long)cpu);
		if (nr_calls)
			(*nr_calls)++;
		if (ret & NOTIFY_STOP_MASK)
			break;
	}
	return notifier_to_errno(ret);
}

static void notify(unsigned long action, unsigned int cpu)
{
	notify_some(action, cpu, -1, NULL);
}

/* A vetoed step: tell the notifiers called before the one that said no. */
static int notify_veto(unsigned long action, unsigned long undo,
		       unsigned int cpu)
{
	int nr_calls = 0;
	int err = notify_some(action, cpu, -1, &nr_calls);

	if (err) {
		shim_trace("cpuhp_veto", cpu, action);
		notify_some(undo, cpu, nr_calls - 1, NULL);
	}
	return err;
}

/*
 * Run @fn as @t on vCPU @cpu, taking the vCPU as a task would.  The caller
 * holds no vCPU; a BUG in @fn goes where the hotplug operation's goes.
 */
static int run_as(struct task_struct *t, unsigned int cpu,
		  int (*fn)(unsigned int cpu, long arg), unsigned int target,
		  long arg)
{
	struct task_struct *saved = shim_current;
	int ret;

	t->bug_jmp = saved ? saved->bug_jmp : NULL;
	shim_current = t;
	while (shim_task_enter(t, cpu))
		shim_check_dead();
	ret = fn(target, arg);
	if (t->vcpu)
		shim_task_leave(t);
	shim_current = saved;
	return ret;
}

/*
 * Where the control part runs: the caller of cpu_down() runs on any online
 * CPU, the target included while it is up.  A free vCPU if there is one
 * (others first), else wait for one that is not the target.
 */
static unsigned int control_cpu(unsigned int cpu)
{
	unsigned int c, wait = nr_cpu_ids;

	for_each_online_cpu(c) {
		if (c != cpu && wait == nr_cpu_ids)
			wait = c;
		if (c != cpu && !READ_ONCE(shim_vcpus[c].token))
			return c;
	}
	if (cpu_online(cpu) && (!READ_ONCE(shim_vcpus[cpu].token) ||
				wait == nr_cpu_ids))
		return cpu;
	return wait;
}

/* The control part, as the hotplug task. */
static int on_control_cpu(unsigned int cpu,
			  int (*fn)(unsigned int cpu, long arg), long arg)
{
	for (;;) {
		int ret;

		shim_current = &cpuhp_task;
		if (!shim_task_enter(&cpuhp_task, control_cpu(cpu))) {
			ret = fn(cpu, arg);
			shim_task_leave(&cpuhp_task);
			return ret;
		}
		shim_check_dead();
	}
}

/* The ONLINE section, in @cpu's own hotplug thread: it may sleep. */
static int on_ap_thread(unsigned int cpu,
			int (*fn)(unsigned int cpu, long arg), long arg)
{
	return run_as(&cpuhp_threads[cpu], cpu, fn, cpu, arg);
}

/*
 * stop_machine(): the control task holds every online vCPU, which it gets
 * only once no task there is inside an irq-off or preempt-off section, and
 * runs on @cpu's with irqs off.  Nothing else runs until stop_machine_end().
 */
static void stop_machine_begin(unsigned int cpu)
{
	unsigned int c;

	shim_trace("stop_machine_wait", cpu, 0);
	for_each_online_cpu(c) {
		struct vcpu *v = &shim_vcpus[c];

		if (shim_vcpu_lock(v))
			shim_die();
		stopped_cpus |= 1ull << c;
		v->curr = &cpuhp_task;
	}
	WRITE_ONCE(cpuhp_task.vcpu, &shim_vcpus[cpu]);
	WRITE_ONCE(cpuhp_task.cpu, cpu);
	cpuhp_task.irqs_off = 1;
	shim_trace("stop_machine", cpu, (long)stopped_cpus);
}

static void stop_machine_end(void)
{
	cpuhp_task.irqs_off = 0;
	WRITE_ONCE(cpuhp_task.vcpu, NULL);
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		if (!(stopped_cpus & (1ull << c)))
			continue;
		stopped_cpus &= ~(1ull << c);
		shim_vcpus[c].curr = NULL;
		shim_vcpu_unlock(&shim_vcpus[c]);
	}
}

/* Installing or removing a state runs its callback where a hotplug would. */
static int invoke_state(unsigned int cpu, long arg)
{
	int st = arg >> 1, ret;

	if (atomic_state(st))
		shim_current->irqs_off = 1;
	ret = invoke(st, arg & 1, cpu);
	shim_current->irqs_off = 0;
	return ret;
}

static int invoke_in_context(int st, bool bringup, unsigned int cpu)
{
	struct task_struct *t = shim_current;
	bool held = t && t->vcpu;
	int ret;

	if (!atomic_state(st) && !ap_thread_state(st))
		return invoke(st, bringup, cpu);
	if (held)
		shim_task_leave(t);
	ret = on_ap_thread(cpu, invoke_state, st << 1 | bringup);
	if (held)
		shim_task_resume(t);
	return ret;
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
			ret = invoke_in_context(slot, true, cpu);
			if (ret)
				break;
		}
		if (ret) {
			unsigned int undo;

			for_each_online_cpu(undo) {
				if (undo >= cpu)
					break;
				invoke_in_context(slot, false, undo);
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
	if (steps[state].used && invoke)
		for_each_online_cpu(cpu)
			invoke_in_context(state, false, cpu);
	steps[state].used = false;
	pthread_rwlock_unlock(&hotplug_lock);
}

static int down_prepare(unsigned int cpu, long arg)
{
	return notify_veto(CPU_DOWN_PREPARE, CPU_DOWN_FAILED, cpu);
}

static int down_failed(unsigned int cpu, long arg)
{
	notify(CPU_DOWN_FAILED, cpu);
	return 0;
}

static int ap_teardown(unsigned int cpu, long arg)
{
	int ret = teardown_range(cpu, AP_LAST, AP_FIRST);

	if (!ret && arg) {
		shim_trace("cpuhp_refused", cpu, 0);
		startup_range(cpu, AP_FIRST, AP_LAST);
		ret = -EBUSY;
	}
	return ret;
}

static int ap_startup(unsigned int cpu, long arg)
{
	return startup_range(cpu, AP_FIRST, AP_LAST);
}

static int down_dead(unsigned int cpu, long arg)
{
	range_nofail(cpu, BP_LAST, BP_FIRST, false);
	notify(CPU_DEAD, cpu);
	notify(CPU_POST_DEAD, cpu);
	return 0;
}

static int up_prepare(unsigned int cpu, long arg)
{
	int ret = notify_veto(CPU_UP_PREPARE, CPU_UP_CANCELED, cpu);

	if (ret)
		return ret;
	ret = startup_range(cpu, BP_FIRST, BP_LAST);
	if (!ret && arg) {
		shim_trace("cpuhp_refused", cpu, 1);
		range_nofail(cpu, BP_LAST, BP_FIRST, false);
		ret = -ENOMEM;
	}
	if (ret)
		notify(CPU_UP_CANCELED, cpu);
	return ret;
}

static int up_canceled(unsigned int cpu, long arg)
{
	range_nofail(cpu, BP_LAST, BP_FIRST, false);
	notify(CPU_UP_CANCELED, cpu);
	return 0;
}

static int up_online(unsigned int cpu, long arg)
{
	notify(CPU_ONLINE, cpu);
	return 0;
}

/* the harness's look at a CPU the moment it is gone, nothing else running */
void (*shim_cpu_dying_probe)(unsigned int cpu);

/* Down from the ONLINE section's end: DYING under stop-machine, then DEAD. */
static void take_cpu_down(unsigned int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	stop_machine_begin(cpu);
	range_nofail(cpu, STARTING_LAST, STARTING_FIRST, false);
	notify(CPU_DYING, cpu);
	clear_bit(cpu, __cpu_active_mask.bits);
	clear_bit(cpu, __cpu_online_mask.bits);
	WRITE_ONCE(v->online, 0);
	__atomic_store_n(&v->pending_irqs, 0, __ATOMIC_RELAXED);	/* nobody to take them */
	if (shim_cpu_dying_probe)
		shim_cpu_dying_probe(cpu);
	stop_machine_end();
}

int shim_do_cpu_down(unsigned int cpu)
{
	struct task_struct *saved = shim_current;
	struct vcpu *v;
	bool refuse;
	int ret;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	hotplug_op_lock();
	v = &shim_vcpus[cpu];
	if (!READ_ONCE(v->online) || num_online_cpus() == 1) {
		pthread_rwlock_unlock(&hotplug_lock);
		return READ_ONCE(v->online) ? -EBUSY : -EINVAL;
	}
	cpuhp_task.bug_jmp = saved ? saved->bug_jmp : NULL;
	refuse = refuse_next;
	refuse_next = false;
	shim_trace("cpu_down", cpu, refuse);
	ret = on_control_cpu(cpu, down_prepare, 0);
	if (ret)
		goto out;
	ret = on_ap_thread(cpu, ap_teardown, refuse);
	if (ret) {
		on_control_cpu(cpu, down_failed, 0);
		goto out;
	}
	shim_current = &cpuhp_task;
	take_cpu_down(cpu);
	on_control_cpu(cpu, down_dead, 0);
out:
	shim_current = saved;
	pthread_rwlock_unlock(&hotplug_lock);
	return ret;
}

/* STARTING on the CPU itself, irqs off; then it is online. */
static void bring_cpu_up(unsigned int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	if (shim_vcpu_lock(v))
		shim_die();
	v->curr = &cpuhp_task;
	WRITE_ONCE(cpuhp_task.vcpu, v);
	WRITE_ONCE(cpuhp_task.cpu, cpu);
	cpuhp_task.irqs_off = 1;
	range_nofail(cpu, STARTING_FIRST, STARTING_LAST, true);
	notify(CPU_STARTING, cpu);
	WRITE_ONCE(v->online, 1);
	set_bit(cpu, __cpu_online_mask.bits);
	set_bit(cpu, __cpu_active_mask.bits);
	cpuhp_task.irqs_off = 0;
	shim_task_leave(&cpuhp_task);
}

int shim_do_cpu_up(unsigned int cpu)
{
	struct task_struct *saved = shim_current;
	struct vcpu *v;
	bool refuse;
	int ret;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	hotplug_op_lock();
	v = &shim_vcpus[cpu];
	if (READ_ONCE(v->online)) {
		pthread_rwlock_unlock(&hotplug_lock);
		return -EINVAL;
	}
	cpuhp_task.bug_jmp = saved ? saved->bug_jmp : NULL;
	refuse = refuse_next;
	refuse_next = false;
	shim_trace("cpu_up", cpu, refuse);
	ret = on_control_cpu(cpu, up_prepare, refuse);
	if (ret)
		goto out;
	shim_current = &cpuhp_task;
	bring_cpu_up(cpu);
	ret = on_ap_thread(cpu, ap_startup, 0);
	if (ret) {
		/* the kernel rolls a failed bring-up back to where it began */
		shim_current = &cpuhp_task;
		take_cpu_down(cpu);
		on_control_cpu(cpu, up_canceled, 0);
		goto out;
	}
	on_control_cpu(cpu, up_online, 0);
out:
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

/* cpus_read_lock()'s lockdep identity: a holder shows in the task dump */
static struct lock_class_key cpu_hotplug_key;
static struct lockdep_map cpu_hotplug_map =
	STATIC_LOCKDEP_MAP_INIT("cpu_hotplug_lock", &cpu_hotplug_key);

void cpus_read_lock(void)
{
	might_sleep();
	shim_lockdep_acquire(&cpu_hotplug_map, 0, SHIM_LOCK_SHARED, _RET_IP_);
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
	shim_lockdep_release(&cpu_hotplug_map, _RET_IP_);
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
		if (stopped_cpus)
			stop_machine_end();
		else if (cpuhp_task.vcpu)
			shim_task_leave(&cpuhp_task);
		for (unsigned int c = 0; c < nr_cpu_ids; c++)
			if (cpuhp_threads[c].vcpu)
				shim_task_leave(&cpuhp_threads[c]);
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
