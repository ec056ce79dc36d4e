// SPDX-License-Identifier: GPL-2.0
/*
 * Fibers for the deterministic engine: a stack each and a hand-written
 * x86-64 switch that saves only what the ABI says a callee keeps (six
 * registers, MXCSR and the x87 control word), so a switch is a few
 * nanoseconds.  Elsewhere it falls back to ucontext.  ASan and TSan are told
 * about every switch, or they would take the new stack for an overflow or
 * the interleaving for a race.
 */
#include <linux/kernel.h>
#include <linux/gfp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "internal.h"

#ifdef __SANITIZE_ADDRESS__
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
				    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
				     const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);
#endif
#ifdef __SANITIZE_THREAD__
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned int flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned int flags);
#endif

#ifdef __SANITIZE_ADDRESS__
static __thread struct shim_fiber *switching_from;
#endif

#ifdef __x86_64__
void shim_fiber_swap(void **save_sp, void *new_sp);
void shim_fiber_trampoline(void);

/*
 * The frame a switched-out fiber leaves on its stack, from the saved stack
 * pointer up: MXCSR and x87 control word, r15, r14, r13, r12, rbx, rbp, and
 * the address to return to.
 */
__asm__(
	".text\n"
	".globl shim_fiber_swap\n"
	".hidden shim_fiber_swap\n"
	".type shim_fiber_swap,@function\n"
	"shim_fiber_swap:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size shim_fiber_swap, .-shim_fiber_swap\n"
	/* a new fiber's first return lands here: fn (r13) of arg (r12) */
	".globl shim_fiber_trampoline\n"
	".hidden shim_fiber_trampoline\n"
	".type shim_fiber_trampoline,@function\n"
	"shim_fiber_trampoline:\n"
	"	movq %r12, %rdi\n"
	"	callq *%r13\n"
	"	ud2\n"
	".size shim_fiber_trampoline, .-shim_fiber_trampoline\n");

static void fiber_prepare(struct shim_fiber *f, void (*fn)(void *), void *arg)
{
	uint64_t *top = (uint64_t *)((char *)f->stack + f->stack_size);

	top[-1] = (uint64_t)shim_fiber_trampoline;
	top[-2] = 0;			/* rbp */
	top[-3] = 0;			/* rbx */
	top[-4] = (uint64_t)arg;	/* r12 */
	top[-5] = (uint64_t)fn;		/* r13 */
	top[-6] = 0;			/* r14 */
	top[-7] = 0;			/* r15 */
	top[-8] = 0x1f80 | (0x037fULL << 32);	/* default MXCSR, x87 CW */
	f->sp = &top[-8];
}

static void fiber_swap(struct shim_fiber *from, struct shim_fiber *to)
{
	shim_fiber_swap(&from->sp, to->sp);
}
#else
static void fiber_prepare(struct shim_fiber *f, void (*fn)(void *), void *arg)
{
	getcontext(&f->uc);
	f->uc.uc_stack.ss_sp = f->stack;
	f->uc.uc_stack.ss_size = f->stack_size;
	f->uc.uc_link = NULL;
	makecontext(&f->uc, (void (*)(void))fn, 1, arg);
}

static void fiber_swap(struct shim_fiber *from, struct shim_fiber *to)
{
	swapcontext(&from->uc, &to->uc);
}
#endif

/**
 * shim_fiber_make() - (re)start @f so that its next switch-in runs @fn(@arg)
 * @f: the fiber; its stack is mapped on first use and kept afterwards
 * @stack_size: bytes of stack, a guard page below them
 * @fn: the body; it must never return, only switch away for good
 * @arg: its argument
 *
 * Return: 0 or -ENOMEM.
 */
int shim_fiber_make(struct shim_fiber *f, size_t stack_size,
		    void (*fn)(void *), void *arg)
{
	if (!f->stack) {
		char *map = mmap(NULL, stack_size + PAGE_SIZE,
				 PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (map == MAP_FAILED)
			return -ENOMEM;
		mprotect(map, PAGE_SIZE, PROT_NONE);
		f->stack = map + PAGE_SIZE;
		f->stack_size = stack_size;
		f->asan_bottom = f->stack;
		f->asan_size = stack_size;
	}
#ifdef __SANITIZE_THREAD__
	/* a fresh one: the old one's shadow call stack was never unwound */
	if (f->tsan)
		__tsan_destroy_fiber(f->tsan);
	f->tsan = __tsan_create_fiber(0);
#endif
#ifdef __SANITIZE_ADDRESS__
	/* a run abandoned on this stack left its frames' redzones behind */
	__asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
	fiber_prepare(f, fn, arg);
	return 0;
}

/* Unmap @f's stack; it must not be running. */
void shim_fiber_free(struct shim_fiber *f)
{
	if (f->stack)
		munmap((char *)f->stack - PAGE_SIZE, f->stack_size + PAGE_SIZE);
#ifdef __SANITIZE_THREAD__
	if (f->tsan)
		__tsan_destroy_fiber(f->tsan);
#endif
	memset(f, 0, sizeof(*f));
}

/* The thread's own stack, as the fiber that everything returns to. */
void shim_fiber_self(struct shim_fiber *f)
{
	memset(f, 0, sizeof(*f));
#ifdef __SANITIZE_THREAD__
	f->tsan = __tsan_get_current_fiber();
#endif
}

/**
 * shim_fiber_switch() - leave @from for @to
 * @from: the running fiber; where its state is saved
 * @to: the fiber to resume
 * @exiting: @from will never run again (its fake stack can go)
 */
void shim_fiber_switch(struct shim_fiber *from, struct shim_fiber *to,
		       bool exiting)
{
	void *fake = NULL;

#ifdef __SANITIZE_ADDRESS__
	switching_from = from;
	__sanitizer_start_switch_fiber(exiting ? NULL : &fake, to->asan_bottom,
				       to->asan_size);
#else
	(void)exiting;
#endif
#ifdef __SANITIZE_THREAD__
	__tsan_switch_to_fiber(to->tsan, 0);
#endif
	fiber_swap(from, to);
	shim_fiber_started(fake);
}

/**
 * shim_fiber_started() - tell ASan the switch into this stack is complete
 * @fake: what the switch away from here saved (NULL on a fiber's first run)
 *
 * The thread's own stack is learnt here, the first time a fiber is entered
 * from it, because ASan must be given its bounds on the way back.
 */
void shim_fiber_started(void *fake)
{
#ifdef __SANITIZE_ADDRESS__
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(fake, &bottom, &size);
	if (switching_from && !switching_from->asan_bottom) {
		switching_from->asan_bottom = bottom;
		switching_from->asan_size = size;
	}
#else
	(void)fake;
#endif
}
