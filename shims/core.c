// SPDX-License-Identifier: GPL-2.0
/*
 * The machine: vCPUs, CPU masks, boot and death, reports, the trace ring and
 * the kernel log.
 */
#include <linux/kernel.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <asm/processor.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <errno.h>
#include "internal.h"

struct vcpu shim_vcpus[NR_CPUS];
unsigned int nr_cpu_ids;
struct cpumask __cpu_possible_mask;
struct cpumask __cpu_online_mask;
struct cpumask __cpu_present_mask;
struct cpumask __cpu_active_mask;
const unsigned long shim_cpu_bit_bitmap[NR_CPUS][BITS_TO_LONGS(NR_CPUS)] = {
#define SHIM_CPU_BIT(n) [n] = { [BIT_WORD(n)] = BIT_MASK(n) }
#define SHIM_CPU_BIT8(n) SHIM_CPU_BIT(n), SHIM_CPU_BIT(n + 1),		\
	SHIM_CPU_BIT(n + 2), SHIM_CPU_BIT(n + 3), SHIM_CPU_BIT(n + 4),	\
	SHIM_CPU_BIT(n + 5), SHIM_CPU_BIT(n + 6), SHIM_CPU_BIT(n + 7)
	SHIM_CPU_BIT8(0), SHIM_CPU_BIT8(8), SHIM_CPU_BIT8(16), SHIM_CPU_BIT8(24),
	SHIM_CPU_BIT8(32), SHIM_CPU_BIT8(40), SHIM_CPU_BIT8(48), SHIM_CPU_BIT8(56),
};

void (*shim_sched_hook)(enum shim_point point, const volatile void *obj);
int shim_kernel_dead;
int shim_booted;
unsigned long shim_lockup_timeout_ms = 10000;

/* ---- time ---- */

uint64_t shim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the trace ring: slow-path events only, for reports ---- */

#define TRACE_SIZE	1024

/*
 * The ring can live in a shared file mapping (hk_trace_attach), so that the
 * last events survive a crash of the process that wrote them.  The layout is
 * read by torture/crash.py: keep the two in step.
 */
struct trace_ev {
	uint64_t seq;
	int cpu;
	int pid;
	long a, b;
	union {
		char what[24];
		uint64_t words[3];	/* written as words: writers may collide */
	};
};

struct trace_ring {
	uint64_t seq;
	uint64_t size;
	struct trace_ev ev[TRACE_SIZE];
};

static struct trace_ring local_ring = { .size = TRACE_SIZE };
static struct trace_ring *ring = &local_ring;

void shim_trace(const char *what, long a, long b)
{
	struct task_struct *t = shim_current;
	uint64_t seq = __atomic_fetch_add(&ring->seq, 1, __ATOMIC_RELAXED);
	struct trace_ev *ev = &ring->ev[seq % TRACE_SIZE];

	struct trace_ev local = { .seq = seq + 1, .cpu = t ? t->cpu : -1,
				  .pid = t ? t->pid : -1, .a = a, .b = b };

	/*
	 * Two writers meet in a slot only after a full lap of the ring; each
	 * field is stored whole, and a reader trusts a slot whose seq it saw
	 * before and after.
	 */
	strncpy(local.what, what, sizeof(local.what) - 1);
	__atomic_store_n(&ev->seq, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ev->cpu, local.cpu, __ATOMIC_RELAXED);
	__atomic_store_n(&ev->pid, local.pid, __ATOMIC_RELAXED);
	__atomic_store_n(&ev->a, a, __ATOMIC_RELAXED);
	__atomic_store_n(&ev->b, b, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		__atomic_store_n(&ev->words[i], local.words[i], __ATOMIC_RELAXED);
	__atomic_store_n(&ev->seq, seq + 1, __ATOMIC_RELEASE);
}

void shim_trace_dump(char *buf, size_t len, int max_events)
{
	uint64_t end = __atomic_load_n(&ring->seq, __ATOMIC_ACQUIRE);
	uint64_t start = end > (uint64_t)max_events ? end - max_events : 0;
	size_t used = 0;

	buf[0] = 0;
	for (uint64_t s = start; s < end && used < len; s++) {
		struct trace_ev *ev = &ring->ev[s % TRACE_SIZE], copy;

		if (__atomic_load_n(&ev->seq, __ATOMIC_ACQUIRE) != s + 1)
			continue;
		copy.cpu = __atomic_load_n(&ev->cpu, __ATOMIC_RELAXED);
		copy.pid = __atomic_load_n(&ev->pid, __ATOMIC_RELAXED);
		copy.a = __atomic_load_n(&ev->a, __ATOMIC_RELAXED);
		copy.b = __atomic_load_n(&ev->b, __ATOMIC_RELAXED);
		for (int i = 0; i < 3; i++)
			copy.words[i] = __atomic_load_n(&ev->words[i],
							__ATOMIC_RELAXED);
		copy.what[sizeof(copy.what) - 1] = 0;
		if (__atomic_load_n(&ev->seq, __ATOMIC_ACQUIRE) != s + 1)
			continue;
		used += snprintf(buf + used, len - used,
				 "  [%6llu] cpu%d pid %d: %s %ld %ld\n",
				 (unsigned long long)s, copy.cpu, copy.pid,
				 copy.what, copy.a, copy.b);
	}
}

/**
 * hk_trace_attach() - keep the trace ring in the file at @path (shared)
 * Return: 0, or -errno.
 */
SHIM_EXPORT int hk_trace_attach(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	struct trace_ring *shared;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, sizeof(*shared))) {
		close(fd);
		return -errno;
	}
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	if (shared == MAP_FAILED)
		return -ENOMEM;
	*shared = *ring;
	shared->size = TRACE_SIZE;
	ring = shared;
	return 0;
}

SHIM_EXPORT void hk_trace_text(char *buf, size_t len, int max_events)
{
	shim_trace_dump(buf, len, max_events);
}

/* ---- the kernel log ---- */

#define LOG_SIZE	(64 * 1024)
static char log_buf[LOG_SIZE];
static size_t log_len;
static int log_console;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_append(const char *text)
{
	size_t n = strlen(text);

	pthread_mutex_lock(&log_lock);
	if (n >= LOG_SIZE)
		n = LOG_SIZE - 1;
	if (log_len + n >= LOG_SIZE) {
		size_t drop = log_len + n - (LOG_SIZE - 1);

		memmove(log_buf, log_buf + drop, log_len - drop);
		log_len -= drop;
	}
	memcpy(log_buf + log_len, text, n);
	log_len += n;
	log_buf[log_len] = 0;
	pthread_mutex_unlock(&log_lock);
	if (log_console)
		fputs(text, stderr);
}

int printk(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (fmt[0] == KERN_SOH[0] && fmt[1])
		fmt += 2;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_append(line);
	return n;
}

/*
 * The kernel prints the caller's stack; what we keep is the trace ring, so
 * the "stack" is the last events that led here, under the kernel's header.
 */
void dump_stack(void)
{
	struct task_struct *t = shim_current;
	char buf[2048];

	snprintf(buf, sizeof(buf), "CPU: %d PID: %d Comm: %s\n"
		 "Call Trace (the last trace events):\n",
		 t ? t->cpu : -1, t ? t->pid : 0, t ? t->comm : "?");
	log_append(buf);
	shim_trace_dump(buf, sizeof(buf), 16);
	log_append(buf);
}

SHIM_EXPORT size_t hk_dmesg(char *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&log_lock);
	n = log_len < len - 1 ? log_len : len - 1;
	memcpy(buf, log_buf + log_len - n, n);
	buf[n] = 0;
	pthread_mutex_unlock(&log_lock);
	return n;
}

SHIM_EXPORT void hk_set_console(int on)
{
	log_console = on;
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n >= (int)size ? (int)size - 1 : n;
}

/* ---- reports ---- */

#define MAX_REPORTS	64
static struct hk_report reports[MAX_REPORTS];
static int nr_reports;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const report_names[] = {
	[SHIM_REPORT_BUG] = "BUG",
	[SHIM_REPORT_WARN] = "WARNING",
	[SHIM_REPORT_LOCKDEP] = "LOCKDEP",
	[SHIM_REPORT_DEBUG] = "BUG (non-fatal)",
	[SHIM_REPORT_LEAK] = "LEAK",
};

static void vreport(enum shim_report_kind kind, const char *file, int line,
		    const char *func, const char *fmt, va_list ap)
{
	struct task_struct *t = shim_current;
	struct hk_report *r, local;
	char head[768];

	r = &local;
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->cpu = t ? t->cpu : -1;
	r->pid = t ? t->pid : -1;
	r->line = line;
	snprintf(r->task, sizeof(r->task), "%s", t ? t->comm : "(none)");
	snprintf(r->func, sizeof(r->func), "%s", func ? func : "?");
	snprintf(r->file, sizeof(r->file), "%s", file ? file : "?");
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	shim_trace(report_names[kind], line, 0);
	shim_trace_dump(r->trace, sizeof(r->trace), 24);

	snprintf(head, sizeof(head),
		 "------------[ cut here ]------------\n"
		 "%s: %s\n  at %s:%d in %s()\n  task %s/%d on CPU %d\n",
		 report_names[kind], r->msg, r->file, line, r->func,
		 r->task, r->pid, r->cpu);
	log_append(head);

	pthread_mutex_lock(&report_lock);
	if (nr_reports < MAX_REPORTS)
		reports[nr_reports++] = local;
	pthread_mutex_unlock(&report_lock);
}

void shim_report(enum shim_report_kind kind, const char *file, int line,
		 const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(kind, file, line, func, fmt, ap);
	va_end(ap);
}

/* Mark the kernel dead and get every thread inside it out. */
void shim_kill_kernel(void)
{
	if (__atomic_exchange_n(&shim_kernel_dead, 1, __ATOMIC_SEQ_CST))
		return;
	shim_wake_all_sleepers();
}

void shim_die(void)
{
	struct task_struct *t = shim_current;

	if (t && t->bug_jmp)
		longjmp(*(jmp_buf *)t->bug_jmp, 1);
	fprintf(stderr, "shim: kernel died outside any harness entry\n");
	abort();
}

void shim_bug(const char *file, int line, const char *func,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(SHIM_REPORT_BUG, file, line, func, fmt, ap);
	va_end(ap);
	shim_kill_kernel();
	shim_die();
}

SHIM_EXPORT int hk_report_count(void)
{
	return __atomic_load_n(&nr_reports, __ATOMIC_ACQUIRE);
}

SHIM_EXPORT int hk_report_get(int i, struct hk_report *out)
{
	int ret = -EINVAL;

	pthread_mutex_lock(&report_lock);
	if (i >= 0 && i < nr_reports) {
		*out = reports[i];
		ret = 0;
	}
	pthread_mutex_unlock(&report_lock);
	return ret;
}

SHIM_EXPORT int hk_kernel_dead(void)
{
	return __atomic_load_n(&shim_kernel_dead, __ATOMIC_ACQUIRE);
}

SHIM_EXPORT void hk_kill(void)
{
	shim_kill_kernel();
}

/* ---- busy-wait turns ---- */

static __thread unsigned int relax_turns;

void shim_cpu_relax(void)
{
	__builtin_ia32_pause();
	if ((++relax_turns & 63) == 0) {
		/* more vCPUs than cores: let the one we wait for run */
		sched_yield();
		shim_check_dead();
	}
}

static __thread uint64_t prandom_state;

u32 prandom_u32(void)
{
	uint64_t x = prandom_state ? prandom_state : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	prandom_state = x;
	return (u32)(x >> 16);
}

/* ---- boot ---- */

/**
 * hk_boot() - start this kernel image with @nr_cpus possible vCPUs, all online
 * @nr_cpus: number of vCPUs, 1..NR_CPUS
 *
 * Return: 0, -EINVAL for a bad count, -EALREADY when already booted, -ENOMEM.
 */
SHIM_EXPORT int hk_boot(int nr_cpus)
{
	if (nr_cpus < 1 || nr_cpus > NR_CPUS)
		return -EINVAL;
	if (shim_booted)
		return -EALREADY;
	nr_cpu_ids = nr_cpus;
	for (int cpu = 0; cpu < nr_cpus; cpu++) {
		struct vcpu *v = &shim_vcpus[cpu];
		char name[TASK_COMM_LEN];

		v->id = cpu;
		v->online = 1;
		snprintf(name, sizeof(name), "swapper/%d", cpu);
		shim_task_init(&v->idle, name, PF_IDLE);
		v->idle.cpu = cpu;
		__set_bit(cpu, __cpu_possible_mask.bits);
		__set_bit(cpu, __cpu_online_mask.bits);
		__set_bit(cpu, __cpu_present_mask.bits);
		__set_bit(cpu, __cpu_active_mask.bits);
	}
	if (shim_mem_boot())
		return -ENOMEM;
	shim_hotplug_boot();
	shim_time_boot();
	shim_booted = 1;
	return 0;
}

SHIM_EXPORT int hk_nr_cpus(void)
{
	return nr_cpu_ids;
}

SHIM_EXPORT int hk_cpu_online(int cpu)
{
	return cpu >= 0 && cpu < (int)nr_cpu_ids && READ_ONCE(shim_vcpus[cpu].online);
}

SHIM_EXPORT void hk_set_lockup_timeout(unsigned long ms)
{
	shim_lockup_timeout_ms = ms;
}

SHIM_EXPORT void hk_mem_stats(struct hk_mem_stats *st)
{
	shim_mem_stats(st);
}

SHIM_EXPORT size_t hk_mem_leaks(char *buf, size_t len)
{
	return shim_mem_leaks(buf, len);
}

/* Release everything the kernel still holds: the image is not used again. */
SHIM_EXPORT void hk_shutdown(void)
{
	shim_kill_kernel();
	shim_mem_shutdown();
	det_release();
}
