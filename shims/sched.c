// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks on vCPUs, the threaded engine: a task runs kernel code only while it
 * holds its vCPU's token; schedule() gives the token up and sleeps on the
 * task's own futex until a wakeup makes it TASK_RUNNING again.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/cpumask.h>
#include <linux/wait.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

#define SLEEP_SLICE_MS	100
#define MAX_TASKS	1024

static struct task_struct *all_tasks[MAX_TASKS];
static long nr_sleeps, nr_wakeups;	/* real ones: a task left its vCPU */
static long nr_spurious;		/* sleeps ended for no reason, on purpose */
static unsigned int spurious_pct;
static int nr_tasks;
static int next_pid = 1;
static pthread_mutex_t tasks_lock = PTHREAD_MUTEX_INITIALIZER;

int shim_futex_wait(int *uaddr, int val, long timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};

	return syscall(SYS_futex, uaddr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

void shim_futex_wake(int *uaddr, int nr)
{
	syscall(SYS_futex, uaddr, FUTEX_WAKE_PRIVATE, nr, NULL, NULL, 0);
}

/* A futex mutex (0 free, 1 held, 2 held with waiters); -1 if the kernel died. */
int shim_vcpu_lock(struct vcpu *v)
{
	int c = 0;

	if (shim_det_active)
		return shim_det_vcpu_lock(v);
	if (__atomic_compare_exchange_n(&v->token, &c, 1, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	if (c != 2)
		c = __atomic_exchange_n(&v->token, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		shim_futex_wait(&v->token, 2, SLEEP_SLICE_MS);
		if (__atomic_load_n(&shim_kernel_dead, __ATOMIC_RELAXED))
			return -1;
		c = __atomic_exchange_n(&v->token, 2, __ATOMIC_ACQUIRE);
	}
	return 0;
}

void shim_vcpu_unlock(struct vcpu *v)
{
	if (shim_det_active) {
		shim_det_vcpu_unlock(v);
		return;
	}
	if (__atomic_fetch_sub(&v->token, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&v->token, 0, __ATOMIC_RELEASE);
		shim_futex_wake(&v->token, 1);
	}
}

void shim_task_init(struct task_struct *t, const char *name, unsigned int flags)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->comm, sizeof(t->comm), "%s", name);
	t->flags = flags;
	t->state = TASK_RUNNING;
	t->next_cpu = -1;
	pthread_mutex_lock(&tasks_lock);
	t->pid = (flags & PF_IDLE) ? 0 : next_pid++;
	if (nr_tasks < MAX_TASKS)
		all_tasks[nr_tasks++] = t;
	pthread_mutex_unlock(&tasks_lock);
}

/* Take @cpu's token as @t.  -ENODEV when @cpu is offline, -EDEADLK if dead. */
int shim_task_enter(struct task_struct *t, int cpu)
{
	struct vcpu *v = &shim_vcpus[cpu];

	if (shim_vcpu_lock(v))
		return -EDEADLK;
	if (!READ_ONCE(v->online)) {
		shim_vcpu_unlock(v);
		return -ENODEV;
	}
	v->curr = t;
	WRITE_ONCE(t->vcpu, v);
	WRITE_ONCE(t->cpu, cpu);
	return 0;
}

void shim_task_leave(struct task_struct *t)
{
	struct vcpu *v = t->vcpu;

	v->curr = NULL;
	WRITE_ONCE(t->vcpu, NULL);
	shim_vcpu_unlock(v);
}

/*
 * Back onto a vCPU after sleeping: the one the shuffler picked, else our own
 * if it is online, else the first online one (the task migrates).
 */
void shim_task_resume(struct task_struct *t)
{
	if (shim_det_active) {
		shim_det_resume(t);
		return;
	}
	for (;;) {
		int cpu = READ_ONCE(t->next_cpu) >= 0 ? READ_ONCE(t->next_cpu) : t->cpu;
		int err;

		/* pinned: its own CPU while that is up (the kernel breaks
		 * the affinity of what is left on a dead one) */
		if (shim_task_pinned(t) && READ_ONCE(shim_vcpus[t->cpu].online))
			cpu = t->cpu;
		else if (!READ_ONCE(shim_vcpus[cpu].online))
			cpu = cpumask_first(cpu_online_mask);
		if (cpu >= (int)nr_cpu_ids)
			cpu = t->cpu;
		err = shim_task_enter(t, cpu);
		if (!err)
			return;
		if (err == -EDEADLK)
			shim_die();
	}
}

/* A sleeping wait outside schedule() (a mutex, hotplug) gives up the vCPU. */
void shim_block_begin(void)
{
	struct task_struct *t = shim_current;

	if (t && t->vcpu)
		shim_task_leave(t);
}

void shim_block_end(void)
{
	struct task_struct *t = shim_current;

	if (t && !t->vcpu && !(t->flags & PF_HARNESS))
		shim_task_resume(t);
}

int shim_try_to_wake_up(struct task_struct *p, unsigned int state_mask)
{
	long s = __atomic_load_n(&p->state, __ATOMIC_SEQ_CST);

	shim_sched_point(SP_WAKE, p);
	for (;;) {
		if (!(s & state_mask))
			return 0;
		if (__atomic_compare_exchange_n(&p->state, &s, TASK_RUNNING,
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			break;
	}
	__atomic_fetch_add(&p->wake_futex, 1, __ATOMIC_SEQ_CST);
	if (!shim_det_active)
		shim_futex_wake(&p->wake_futex, INT_MAX);
	__atomic_fetch_add(&nr_wakeups, 1, __ATOMIC_RELAXED);
	shim_trace("wake", p->pid, s);
	return 1;
}

int wake_up_process(struct task_struct *p)
{
	return shim_try_to_wake_up(p, TASK_NORMAL);
}

int wake_up_state(struct task_struct *p, unsigned int state)
{
	return shim_try_to_wake_up(p, state);
}

void shim_wake_all_sleepers(void)
{
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks; i++) {
		__atomic_fetch_add(&all_tasks[i]->wake_futex, 1,
				   __ATOMIC_SEQ_CST);
		shim_futex_wake(&all_tasks[i]->wake_futex, INT_MAX);
	}
	pthread_mutex_unlock(&tasks_lock);
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		shim_futex_wake(&shim_vcpus[cpu].token, INT_MAX);
}

static void schedule_debug(struct task_struct *t)
{
	if (unlikely(t->flags & PF_IDLE))
		shim_bug(__FILE__, __LINE__, "schedule",
			 "scheduling while atomic: %s/%d in interrupt context",
			 t->comm, t->pid);
	if (unlikely(t->preempt_count))
		shim_bug(__FILE__, __LINE__, "schedule",
			 "scheduling while atomic: %s/%d/0x%08x",
			 t->comm, t->pid, t->preempt_count);
	if (unlikely(t->irqs_off))
		shim_bug(__FILE__, __LINE__, "schedule",
			 "scheduling with irqs disabled: %s/%d",
			 t->comm, t->pid);
}

/*
 * The sleep itself: no vCPU held, until TASK_RUNNING or the kernel dies.  A
 * timer that expires wakes the task as the kernel's process_timeout() does.
 */
static void sleep_until_running(struct task_struct *t)
{
	for (;;) {
		int seq = __atomic_load_n(&t->wake_futex, __ATOMIC_SEQ_CST);
		uint64_t timer = READ_ONCE(t->timer_ns), now;
		long slice_ms = SLEEP_SLICE_MS;

		if (__atomic_load_n(&t->state, __ATOMIC_SEQ_CST) == TASK_RUNNING)
			return;
		shim_check_dead();
		if (timer) {
			now = shim_clock_ns();
			if (now >= timer) {
				WRITE_ONCE(t->timer_ns, 0);
				shim_trace("timeout", t->pid, 0);
				shim_try_to_wake_up(t, TASK_NORMAL);
				continue;
			}
			if ((timer - now) / NSEC_PER_MSEC < SLEEP_SLICE_MS)
				slice_ms = (timer - now) / NSEC_PER_MSEC + 1;
		}
		shim_futex_wait(&t->wake_futex, seq, slice_ms);
	}
}

void shim_schedule(void)
{
	struct task_struct *t = shim_current;
	long state;

	schedule_debug(t);
	shim_sched_point(SP_SCHEDULE, t);
	/* a wait's next search begins: a steal counts only if it is that one's */
	t->remote_since_schedule = 0;
	state = __atomic_load_n(&t->state, __ATOMIC_SEQ_CST);
	if (state == TASK_RUNNING) {
		/* a voluntary yield: let a task waiting for this vCPU in */
		if (__atomic_load_n(&t->vcpu->token, __ATOMIC_RELAXED) == 2) {
			shim_task_leave(t);
			sched_yield();
			shim_task_resume(t);
		}
		return;
	}
	if (signal_pending_state(state, t)) {
		__atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_SEQ_CST);
		return;
	}
	if (spurious_pct && !shim_det_active && shim_task_rand(t) % 100 < spurious_pct) {
		/* the kernel may wake a sleeper for no reason: a wait must loop */
		__atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&nr_spurious, 1, __ATOMIC_RELAXED);
		shim_trace("spurious", t->pid, state);
		return;
	}
	shim_trace("sleep", state, 0);
	__atomic_fetch_add(&nr_sleeps, 1, __ATOMIC_RELAXED);
	WRITE_ONCE(t->sleep_since_ns, shim_now_ns());
	shim_task_leave(t);
	if (shim_det_active)
		shim_det_sleep(t);	/* back with a vCPU */
	else
		sleep_until_running(t);
	WRITE_ONCE(t->sleep_since_ns, 0);
	if (!shim_det_active)
		shim_task_resume(t);
	shim_trace("run", t->cpu, 0);
}

/**
 * schedule_timeout() - sleep until woken or @timeout jiffies have passed
 * @timeout: in jiffies; MAX_SCHEDULE_TIMEOUT sleeps without a timer
 *
 * The caller sets its task state first.  The timer wakes it as
 * wake_up_process() would: in real time in the threaded engine, as a decision
 * of the deterministic one, which moves its virtual clock to the expiry.
 *
 * Return: 0 if the timer expired, else the jiffies that were left.
 */
long schedule_timeout(long timeout)
{
	struct task_struct *t = shim_current;
	unsigned long expire;

	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		shim_schedule();
		return timeout;
	}
	if (timeout < 0) {
		shim_report(SHIM_REPORT_DEBUG, __FILE__, __LINE__, __func__,
			    "schedule_timeout: wrong timeout value %lx",
			    (unsigned long)timeout);
		__set_current_state(TASK_RUNNING);
		return 0;
	}
	expire = jiffies + timeout;
	WRITE_ONCE(t->timer_ns, (expire - INITIAL_JIFFIES) * (uint64_t)TICK_NSEC);
	shim_schedule();
	WRITE_ONCE(t->timer_ns, 0);
	timeout = expire - jiffies;
	return timeout < 0 ? 0 : timeout;
}

long schedule_timeout_interruptible(long timeout)
{
	__set_current_state(TASK_INTERRUPTIBLE);
	return schedule_timeout(timeout);
}

long schedule_timeout_killable(long timeout)
{
	__set_current_state(TASK_KILLABLE);
	return schedule_timeout(timeout);
}

long schedule_timeout_uninterruptible(long timeout)
{
	__set_current_state(TASK_UNINTERRUPTIBLE);
	return schedule_timeout(timeout);
}

long schedule_timeout_idle(long timeout)
{
	__set_current_state(TASK_IDLE);
	return schedule_timeout(timeout);
}

void cond_resched(void)
{
	might_sleep();
	shim_schedule();
}

void yield(void)
{
	__set_current_state(TASK_RUNNING);
	shim_schedule();
}

void shim_might_sleep(const char *file, int line, const char *func)
{
	struct task_struct *t = shim_current;

	if (likely(!t->preempt_count && !t->irqs_off && !(t->flags & PF_IDLE)))
		return;
	shim_report(SHIM_REPORT_DEBUG, file, line, func,
		    "sleeping function called from invalid context: "
		    "in_atomic(): %d, irqs_disabled(): %d, name: %s, pid: %d",
		    t->preempt_count != 0, t->irqs_off, t->comm, t->pid);
}

void shim_report_preemptible(const char *what, const char *file, int line,
			     const char *func)
{
	struct task_struct *t = shim_current;

	shim_report(SHIM_REPORT_DEBUG, file, line, func,
		    "using %s() in preemptible [%08x] code: %s/%d",
		    what, t->preempt_count, t->comm, t->pid);
}

void (*shim_irq_handler)(int cpu);

/*
 * Run the interrupts pending on our vCPU, nested on the current task: irqs
 * are on here (an irq-enable or a scheduling point with irqs on).
 */
void shim_irq_restore_slow(void)
{
	struct task_struct *t = shim_current;
	struct vcpu *v = t->vcpu;
	void (*handler)(int cpu) = __atomic_load_n(&shim_irq_handler,
						   __ATOMIC_ACQUIRE);

	while (__atomic_exchange_n(&v->pending_irqs, 0, __ATOMIC_ACQUIRE)) {
		if (!handler)
			continue;
		t->preempt_count += HARDIRQ_OFFSET;
		t->irqs_off = 1;
		shim_trace("irq", v->id, t->pid);
		handler(v->id);
		t->irqs_off = 0;
		t->preempt_count -= HARDIRQ_OFFSET;
	}
}

/* ---- harness entry: a call from outside, as a task or an interrupt ---- */

/* Kernel code must come back the way it went in: no locks, irqs on. */
void shim_check_return_to_user(struct task_struct *t)
{
	if (unlikely(t->lockdep_depth))
		shim_bug(__FILE__, __LINE__, "exit_to_user_mode",
			 "lock held when returning to user space: %s/%d holds %d",
			 t->comm, t->pid, t->lockdep_depth);
	if (unlikely(t->preempt_count))
		shim_bug(__FILE__, __LINE__, "exit_to_user_mode",
			 "preempt count leak: %s/%d returns with 0x%08x",
			 t->comm, t->pid, t->preempt_count);
	if (unlikely(t->irqs_off))
		shim_bug(__FILE__, __LINE__, "exit_to_user_mode",
			 "irqs disabled when returning to user space: %s/%d",
			 t->comm, t->pid);
}

/*
 * One entry from outside: take @cpu as @t, run @fn there (as a hard interrupt
 * handler with @irq), come back the way user space expects.  A BUG inside
 * longjmps here; the kernel is dead then, and we only let go of the vCPU.
 */
static int harness_entry(struct task_struct *t, int cpu, bool irq,
			 long (*fn)(void *), void *arg, long *ret)
{
	struct task_struct *saved_current = shim_current;
	void *saved_jmp;
	jmp_buf jb;
	int err;

	if (cpu < 0 || cpu >= (int)nr_cpu_ids)
		return -EINVAL;
	if (__atomic_load_n(&shim_kernel_dead, __ATOMIC_ACQUIRE))
		return -HK_EDEAD;
	shim_current = t;
	err = shim_task_enter(t, cpu);
	if (err) {
		shim_current = saved_current;
		return err == -EDEADLK ? -HK_EDEAD : err;
	}
	/* only now: a vCPU's idle task is shared by every interrupt there */
	saved_jmp = t->bug_jmp;
	t->bug_jmp = &jb;
	if (setjmp(jb)) {
		err = -HK_EBUG;
		goto out;
	}
	if (irq) {
		t->preempt_count += HARDIRQ_OFFSET;
		t->irqs_off = 1;
		shim_trace("irq_enter", cpu, 0);
	}
	*ret = fn(arg);
	if (irq) {
		t->preempt_count -= HARDIRQ_OFFSET;
		t->irqs_off = 0;
	}
	shim_check_return_to_user(t);
	/* a signal is delivered on the way back to user space */
	__atomic_store_n(&t->sigpending, 0, __ATOMIC_SEQ_CST);
	err = 0;
out:
	if (irq) {
		t->preempt_count = 0;
		t->irqs_off = 0;
	}
	/* before letting go: the next holder of an idle task owns its fields */
	t->bug_jmp = saved_jmp;
	if (t->vcpu)
		shim_task_leave(t);
	shim_current = saved_current;
	return err;
}

/**
 * hk_call() - run @fn(@arg) as task @t on vCPU @cpu
 * @t: the task; its vCPU token is taken for the call and given back after
 * @cpu: the vCPU to start on (a sleep may move the task elsewhere)
 * @fn: kernel code to run
 * @arg: its argument
 * @ret: where the result goes
 *
 * Return: 0, -ENODEV for an offline vCPU, -EINVAL for a bad vCPU number,
 * -HK_EDEAD when the kernel is dead, -HK_EBUG when the call hit a BUG.
 */
SHIM_EXPORT int hk_call(struct task_struct *t, int cpu, long (*fn)(void *),
			void *arg, long *ret)
{
	return harness_entry(t, cpu, false, fn, arg, ret);
}

/**
 * hk_irq_call() - run @fn(@arg) as a hard interrupt handler on vCPU @cpu
 * @cpu: the vCPU
 * @fn: the handler
 * @arg: its argument
 * @ret: where its result goes
 *
 * The vCPU is taken when its current task lets go of it (an interrupt cannot
 * preempt a section with irqs off) and the handler runs as its idle task in
 * hardirq context, irqs off.  Returns as hk_call().
 */
SHIM_EXPORT int hk_irq_call(int cpu, long (*fn)(void *), void *arg, long *ret)
{
	if (cpu < 0 || cpu >= (int)nr_cpu_ids)
		return -EINVAL;
	return harness_entry(&shim_vcpus[cpu].idle, cpu, true, fn, arg, ret);
}

/**
 * hk_set_spurious_wakeups() - end @pct percent of sleeps at once, unwoken
 * @pct: 0..100 (0 turns it off)
 *
 * The threaded engine's knob; the deterministic engine has it as a decision.
 */
SHIM_EXPORT void hk_set_spurious_wakeups(unsigned int pct)
{
	spurious_pct = pct > 100 ? 100 : pct;
}

/*
 * Real sleeps and wakeups, the per-task operation counters summed, and the
 * spurious wakeups made on purpose.
 */
SHIM_EXPORT void hk_sched_counts(long *out)
{
	out[0] = __atomic_load_n(&nr_sleeps, __ATOMIC_RELAXED);
	out[1] = __atomic_load_n(&nr_wakeups, __ATOMIC_RELAXED);
	out[4] = __atomic_load_n(&nr_spurious, __ATOMIC_RELAXED);
	out[2] = out[3] = 0;
	shim_racy_reads_begin();
	pthread_mutex_lock(&tasks_lock);
	/* every task, each vCPU's idle task (the interrupts it ran) included */
	for (int i = 0; i < nr_tasks; i++) {
		out[2] += READ_ONCE(all_tasks[i]->nr_remote_pcpu);
		out[3] += READ_ONCE(all_tasks[i]->nr_global_locks);
	}
	pthread_mutex_unlock(&tasks_lock);
	shim_racy_reads_end();
}

SHIM_EXPORT struct task_struct *hk_task_create(const char *name)
{
	struct task_struct *t = calloc(1, sizeof(*t));

	if (t)
		shim_task_init(t, name, 0);
	return t;
}

SHIM_EXPORT int hk_task_pid(struct task_struct *t)
{
	return t->pid;
}

SHIM_EXPORT void hk_task_set_fail_nth(struct task_struct *t, unsigned int n)
{
	t->fail_nth = n;
}

SHIM_EXPORT unsigned int hk_task_fail_nth(struct task_struct *t)
{
	return t->fail_nth;
}

SHIM_EXPORT long hk_task_state(struct task_struct *t)
{
	return __atomic_load_n(&t->state, __ATOMIC_SEQ_CST);
}

/* send_sig(): pending, and a wake for a task that sleeps interruptibly. */
SHIM_EXPORT void hk_signal(struct task_struct *t, int fatal)
{
	if (fatal)
		__atomic_store_n(&t->fatal_sigpending, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->sigpending, 1, __ATOMIC_SEQ_CST);
	shim_trace("signal", t->pid, fatal);
	shim_try_to_wake_up(t, TASK_INTERRUPTIBLE | (fatal ? TASK_WAKEKILL : 0));
}

/* How long the longest sleeper has slept, in ms: the stall watchdog's poll. */
SHIM_EXPORT long hk_longest_sleep_ms(void)
{
	uint64_t now = shim_now_ns(), longest = 0;

	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks; i++) {
		uint64_t since = READ_ONCE(all_tasks[i]->sleep_since_ns);

		if (since && now > since && now - since > longest)
			longest = now - since;
	}
	pthread_mutex_unlock(&tasks_lock);
	return longest / 1000000;
}

/* The tasks queued on @wq, if its lock can be had (a dump must not hang). */
static size_t dump_wait_queue(const struct wait_queue_head *wq, char *buf,
			      size_t len)
{
	struct raw_spinlock *lock = (struct raw_spinlock *)&wq->lock.rlock;
	const struct list_head *pos;
	size_t used;
	int n = 0;

	used = snprintf(buf, len, "    wait queue %p (%s):", (const void *)wq,
			lock->dep_map.name ? lock->dep_map.name : "?");
	if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE)) {
		used += snprintf(buf + used, len - used, " (locked)\n");
		return used;
	}
	for (pos = wq->head.next; pos != &wq->head && n < 64 && used < len;
	     pos = pos->next, n++) {
		const struct wait_queue_entry *e =
			container_of(pos, struct wait_queue_entry, entry);
		const struct task_struct *p = e->private;

		used += snprintf(buf + used, len - used, " %s/%d%s",
				 p ? p->comm : "?", p ? p->pid : -1,
				 (e->flags & WQ_FLAG_EXCLUSIVE) ? "(x)" : "");
	}
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	if (used < len)
		used += snprintf(buf + used, len - used, "%s\n", n ? "" : " empty");
	return used;
}

/* @ip as an offset into the object that holds it, which Python can name */
unsigned long shim_image_offset(unsigned long ip)
{
	Dl_info info;

	if (dladdr((void *)ip, &info) && info.dli_fbase)
		return ip - (unsigned long)info.dli_fbase;
	return ip;
}

/* Where the image is loaded: its offsets (DWARF's pcs) plus this are addresses. */
SHIM_EXPORT unsigned long hk_image_base(void)
{
	Dl_info info;

	return dladdr((void *)hk_image_base, &info) ? (unsigned long)info.dli_fbase : 0;
}

static const char *held_lock_name(const struct shim_held_lock *h)
{
	const struct lockdep_map *map = h->lock;

	return map->name ?: "?";
}

/* Every task, its state, what it waits on, and those wait queues. */
SHIM_EXPORT size_t hk_task_dump(char *buf, size_t len)
{
	const void *queues[16];
	int nr_queues = 0;
	size_t used = 0;

	buf[0] = 0;
	shim_racy_reads_begin();
	pthread_mutex_lock(&tasks_lock);
	for (int i = 0; i < nr_tasks && used < len; i++) {
		struct task_struct *t = all_tasks[i];
		uint64_t since = READ_ONCE(t->sleep_since_ns);
		const void *wq = READ_ONCE(t->waiting_on);

		if (t->flags & PF_IDLE)
			continue;
		used += snprintf(buf + used, len - used,
				 "  %-15s pid %4d state %ld cpu %d%s sig %lu",
				 t->comm, t->pid, t->state, t->cpu,
				 t->vcpu ? " (on cpu)" : "", t->sigpending);
		if (t->vcpu && used < len)
			used += snprintf(buf + used, len - used,
					 " preempt %d irqs %s", t->preempt_count,
					 t->irqs_off ? "off" : "on");
		for (int l = 0; l < t->lockdep_depth && l < MAX_LOCK_DEPTH &&
		     used < len; l++)
			used += snprintf(buf + used, len - used,
					 " holds %s %p (taken at ip +%#lx)",
					 held_lock_name(&t->held_locks[l]),
					 t->held_locks[l].lock,
					 shim_image_offset(t->held_locks[l].ip));
		if (since)
			used += snprintf(buf + used, len - used,
					 " asleep %.3f s", (shim_now_ns() - since) / 1e9);
		if (wq && used < len) {
			int k;

			used += snprintf(buf + used, len - used,
					 " on wait queue %p", wq);
			for (k = 0; k < nr_queues && queues[k] != wq; k++)
				;
			if (k == nr_queues && nr_queues < 16)
				queues[nr_queues++] = wq;
		}
		if (used < len)
			used += snprintf(buf + used, len - used, "\n");
	}
	pthread_mutex_unlock(&tasks_lock);
	for (int k = 0; k < nr_queues && used < len; k++)
		used += dump_wait_queue(queues[k], buf + used, len - used);
	shim_racy_reads_end();
	return used;
}
