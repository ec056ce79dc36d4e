/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the runtime files share among themselves and with the harness.  Not
 * for kernel code.
 */
#ifndef _SHIM_INTERNAL_H
#define _SHIM_INTERNAL_H

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <time.h>
#ifndef __x86_64__
#include <ucontext.h>
#endif

#define HK_EBUG		100000	/* the call ended in a BUG: read the report */
#define HK_EDEAD	100001	/* the kernel was already dead */

struct hk_report {
	int kind;
	int cpu;
	int pid;
	int line;
	char task[TASK_COMM_LEN];
	char func[64];
	char file[160];
	char msg[512];
	char trace[4096];
};

struct hk_mem_stats {
	long slab_objs, slab_bytes;
	long page_objs, page_bytes;
	long percpu_objs, percpu_bytes;
	long injected;
};

/*
 * Diagnostics read other tasks' state without stopping them (a task dump,
 * the counters), as the kernel's own sched_show_task() does: under TSan
 * those reads are declared intentionally racy.
 */
#ifdef __SANITIZE_THREAD__
#define shim_racy_reads_begin()	AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define shim_racy_reads_end()	AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define shim_racy_reads_begin()	do { } while (0)
#define shim_racy_reads_end()	do { } while (0)
#endif

extern int shim_booted;
extern unsigned long shim_lockup_timeout_ms;

/* core.c */
uint64_t shim_now_ns(void);
void shim_kill_kernel(void);
void shim_trace_dump(char *buf, size_t len, int max_events);

/* sched.c */
int shim_vcpu_lock(struct vcpu *v);
void shim_vcpu_unlock(struct vcpu *v);
int shim_task_enter(struct task_struct *t, int cpu);
void shim_task_leave(struct task_struct *t);
void shim_task_resume(struct task_struct *t);
void shim_task_init(struct task_struct *t, const char *name, unsigned int flags);
void shim_wake_all_sleepers(void);
int shim_futex_wait(int *uaddr, int val, long timeout_ms);
void shim_futex_wake(int *uaddr, int nr);
void shim_block_begin(void);
void shim_block_end(void);
void shim_check_return_to_user(struct task_struct *t);
int hk_call(struct task_struct *t, int cpu, long (*fn)(void *), void *arg,
	    long *ret);
int hk_irq_call(int cpu, long (*fn)(void *), void *arg, long *ret);
struct task_struct *hk_task_create(const char *name);
void hk_task_make_it_fail(struct task_struct *t, int on);
void hk_signal(struct task_struct *t, int fatal);
size_t hk_task_dump(char *buf, size_t len);
unsigned long shim_image_offset(unsigned long ip);

/* time.c, det.c: the clock */
void shim_time_boot(void);
uint64_t shim_det_clock_ns(void);
void shim_det_clock_advance(uint64_t ns);

/* hotplug.c: called under stop_machine as a CPU goes offline */
extern void (*shim_cpu_dying_probe)(unsigned int cpu);

/* threaded.c */
uint64_t shim_task_rand(struct task_struct *t);
void shim_set_irq_handler(void (*handler)(int cpu));
bool shim_raise_irq(int cpu);

/* lockdep.c */
void shim_lockdep_reset(void);
int shim_lockdep_check_held_on_exit(struct task_struct *t);

/* mem.c */
int shim_mem_boot(void);
void shim_mem_shutdown(void);
void shim_mem_stats(struct hk_mem_stats *st);
int shim_pcpu_cpu_of(const volatile void *addr);
size_t shim_mem_leaks(char *buf, size_t len);

/* fault.c */
long shim_faults_injected(void);
void shim_fault_snapshot(void);
void shim_fault_rewind(void);
void hk_fault_suspend(int on);

/* hotplug.c */
void shim_hotplug_boot(void);
int shim_do_cpu_down(unsigned int cpu);
int shim_do_cpu_up(unsigned int cpu);
void shim_hotplug_refuse_next(bool refuse);

/* fiber.c: the deterministic engine's stacks and switch */
struct shim_fiber {
	void *sp;
	void *stack;
	size_t stack_size;
	const void *asan_bottom;
	size_t asan_size;
	void *tsan;
#ifndef __x86_64__
	ucontext_t uc;
#endif
};

int shim_fiber_make(struct shim_fiber *f, size_t stack_size,
		    void (*fn)(void *), void *arg);
void shim_fiber_free(struct shim_fiber *f);
void shim_fiber_self(struct shim_fiber *f);
void shim_fiber_switch(struct shim_fiber *from, struct shim_fiber *to,
		       bool exiting);
void shim_fiber_started(void *fake);

/* det.c: what the runtime asks of the deterministic engine while it runs */
extern int shim_det_active SHIM_HIDDEN;
extern int shim_det_memory SHIM_HIDDEN;	/* memtrace.c */
/* the engine runs the instrumented copy of the allocator (memtrace.c) */
extern int shim_det_traced SHIM_HIDDEN;
/* det_por.c: what a step touches, where the instrumented copy cannot see */
void shim_det_note(const volatile void *addr, size_t size, bool write);
void shim_det_note_machine(void);
void por_object(const void *p, size_t size);
extern uintptr_t shim_det_stack[2] SHIM_HIDDEN;	/* det.c: the running fiber's */
int shim_det_vcpu_lock(struct vcpu *v);
void shim_det_vcpu_unlock(struct vcpu *v);
void shim_det_resume(struct task_struct *t);
void shim_det_sleep(struct task_struct *t);
void det_release(void);

#endif /* _SHIM_INTERNAL_H */
