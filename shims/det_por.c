// SPDX-License-Identifier: GPL-2.0
/*
 * Partial-order reduction for the bounded exhaustive search: dynamic
 * partial-order reduction (Flanagan and Godefroid) with the conservative
 * backtracking that keeps it sound under a preemption bound (Coons,
 * Musuvathi and McKinley, "Bounded partial-order reduction").
 *
 * A step is what a fiber does from one scheduling point to the next; its
 * process is the fiber (a task, one delivery of an irq event, one hotplug
 * event).  Its footprint is the words it read and wrote: the instrumented
 * copy of the allocator reports every access, the point's own object is
 * the step's operation, the runtime and the harness report what they share
 * (wait-queue heads, the ledger).  A step that changes what the machine may
 * do next (a decision other than "carry on" or "take a free vCPU", a
 * cpu_relax() loop, a wakeup, a sleep, an irq handler, a hotplug operation,
 * code no footprint covers) writes a machine word that every step reads.
 *
 * After each run, every pair of conflicting steps of two processes that the
 * run did not order through other steps is a race: the search must also
 * try the second process at the choice before the first step (or every
 * option there, if it had none), and at the choice that began the first
 * step's block, where trying it costs no preemption the original did not.
 * The search varies only those choices.  Words of the run's own allocations
 * are named by allocation order: the pool is not always at one address.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <stdlib.h>
#include "det.h"

#define MACHINE_WORD	1UL	/* no real address is in 8..15 */
#define FOOTPRINT_WORDS	64	/* past that a step is taken as writing all */
#define MAX_OBJECTS	128
#define MAX_PROCS	64
#define WORD_SLOTS	(1 << 14)

struct step {
	uint64_t proc;
	long choice;		/* the choice that started it, or -1 */
	long words;		/* its footprint: in por.words[] from here */
	int nr_words;
	bool global;
};

struct choice {
	DECLARE_BITMAP(todo, DET_MAX_DECS);	/* options to try here */
	DECLARE_BITMAP(done, DET_MAX_DECS);	/* ... and those tried */
	long procs;		/* its options' processes: in por.procs[] */
	int nr_options;
	int chosen;
};

struct word_state {
	uint64_t word;
	long last_write;	/* a step, or -1 */
	long reads;		/* the reads since: a list in por.reads[] */
	uint32_t gen;
};

struct read {
	long step;
	long next;
};

static struct {
	bool on;
	/* the running step's footprint */
	uint64_t fp[FOOTPRINT_WORDS];
	bool fp_write[FOOTPRINT_WORDS];
	int nr_fp;
	bool global;
	/* this run's steps */
	struct step *steps;
	long nr_steps, cap_steps;
	uint64_t *words;	/* word << 1 | write */
	long nr_words, cap_words;
	uint64_t *procs;	/* options' processes, per choice */
	long nr_procs, cap_procs;
	bool lost;		/* out of memory: vary every choice */
	/* the search: the choices of the run being varied */
	struct choice *stack;
	long depth;
	int bound;
	/* naming per-run objects */
	struct object {
		uintptr_t start, end;
		uint64_t name;
	} objects[MAX_OBJECTS];
	int nr_objects;
	uint64_t nr_allocated;
	/* the analysis */
	struct word_state ws[WORD_SLOTS];
	uint32_t gen;
	struct read *reads;
	long nr_reads, cap_reads;
	uint32_t *clocks;	/* per step, one per process */
	long cap_clocks;
	int *proc_index;	/* per step */
	long *block;		/* per step: the first step of its block */
	uint16_t *resume;	/* hk_det_prefix(): a resumable search */
} por;

static bool grow(void **p, long *cap, long need, size_t size)
{
	long more;
	void *q;

	if (need <= *cap)
		return true;
	more = max(need, max(1024L, *cap * 2));
	q = realloc(*p, more * size);
	if (!q)
		return false;
	*p = q;
	*cap = more;
	return true;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

/* ---- naming the run's own objects ---- */

/**
 * por_object() - an object is allocated or freed, while a search runs
 * @p: its start
 * @size: its size; 0: it is freed
 */
void por_object(const void *p, size_t size)
{
	if (!por.stack || !p)
		return;
	for (int i = 0; i < por.nr_objects; i++)
		if (por.objects[i].start == (uintptr_t)p) {
			por.objects[i] = por.objects[--por.nr_objects];
			break;
		}
	if (!size || por.nr_objects == MAX_OBJECTS)
		return;	/* past that, raw addresses: more apart, never less */
	por.objects[por.nr_objects++] = (struct object){
		.start = (uintptr_t)p, .end = (uintptr_t)p + size,
		.name = (1ULL << 62) | ++por.nr_allocated << 32,
	};
}

/* A run's allocations are numbered from its start (its set-up is one thread). */
void por_objects_restart(void)
{
	por.nr_allocated = 0;
}

static uint64_t canonical(uintptr_t a)
{
	for (int i = 0; i < por.nr_objects; i++)
		if (a - por.objects[i].start < por.objects[i].end - por.objects[i].start)
			return por.objects[i].name + (a - por.objects[i].start);
	return a;
}

/* ---- recording a run ---- */

/**
 * por_run_start() - a run begins
 * @on: record its steps (a reducing exhaustive search)
 */
void por_run_start(bool on)
{
	por.on = on;
	por.nr_steps = por.nr_words = por.nr_procs = 0;
	por.nr_fp = 0;
	por.global = false;
	por.lost = false;
}

static void note_word(uint64_t word, bool write)
{
	for (int i = 0; i < por.nr_fp; i++)
		if (por.fp[i] == word) {
			por.fp_write[i] |= write;
			return;
		}
	if (por.nr_fp == FOOTPRINT_WORDS) {
		por.global = true;	/* too much to list: it touches all */
		return;
	}
	por.fp[por.nr_fp] = word;
	por.fp_write[por.nr_fp++] = write;
}

/**
 * shim_det_note() - the running step touches shared memory
 * @addr: where
 * @size: how many bytes (more than a few words: it touches everything)
 * @write: whether it stores
 */
void shim_det_note(const volatile void *addr, size_t size, bool write)
{
	uint64_t first, last;

	if (!por.on || !addr)
		return;
	first = canonical((uintptr_t)addr);
	last = (first + max(size, (size_t)1) - 1) >> 3;
	first >>= 3;
	if (last - first >= 8) {
		por.global = true;
		return;
	}
	for (uint64_t w = first; w <= last; w++)
		note_word(w, write);
}

/* The running step changes what the machine may do next. */
void shim_det_note_machine(void)
{
	if (por.on)
		por.global = true;
}

/**
 * por_choice() - the run makes a choice
 * @n: its index
 * @procs: the process of each option
 * @nr: how many options
 */
void por_choice(long n, const uint64_t *procs, int nr)
{
	if (!por.on || por.lost)
		return;
	if (n >= DET_MAX_CHOICES || nr > DET_MAX_DECS ||
	    !grow((void **)&por.procs, &por.cap_procs, por.nr_procs + nr,
		  sizeof(*por.procs))) {
		por.lost = true;
		return;
	}
	/* the stack's entry for a new choice is made after the run */
	memcpy(&por.procs[por.nr_procs], procs, nr * sizeof(*procs));
	por.stack[n].procs = por.nr_procs;
	por.stack[n].nr_options = nr;
	por.nr_procs += nr;
}

/**
 * por_step_begin() - a process takes a step
 * @proc: which (the same in every run)
 * @choice: the choice that started it, or -1 (it had the only option)
 * @global: it writes the machine
 */
void por_step_begin(uint64_t proc, long choice, bool global)
{
	if (!por.on || por.lost)
		return;
	if (!grow((void **)&por.steps, &por.cap_steps, por.nr_steps + 1,
		  sizeof(*por.steps))) {
		por.lost = true;
		return;
	}
	por.steps[por.nr_steps] = (struct step){
		.proc = proc, .choice = choice, .words = por.nr_words,
	};
	por.nr_fp = 0;
	por.global = global;
}

/**
 * por_step_end() - the running step ends
 * @global: it ended in a way that changes what the machine may do next
 */
void por_step_end(bool global)
{
	struct step *st;

	if (!por.on || por.lost || !por.steps)
		return;
	if (!grow((void **)&por.words, &por.cap_words, por.nr_words + por.nr_fp,
		  sizeof(*por.words))) {
		por.lost = true;
		return;
	}
	st = &por.steps[por.nr_steps++];
	for (int i = 0; i < por.nr_fp; i++)
		por.words[por.nr_words++] = por.fp[i] << 1 | por.fp_write[i];
	st->nr_words = por.nr_fp;
	st->global = por.global || global;
	por.nr_fp = 0;
}

/* ---- the search ---- */

/**
 * por_search_start() - a reducing search begins
 * @bound: its preemption bound
 *
 * Return: 0, or -ENOMEM (the search then runs unreduced).
 */
int por_search_start(int bound)
{
	por.stack = calloc(DET_MAX_CHOICES, sizeof(*por.stack));
	por.depth = 0;
	por.bound = bound;
	por.nr_objects = 0;
	return por.stack ? 0 : -ENOMEM;
}

/*
 * The search's memory goes back (a kernel that dies keeps what it holds:
 * only the list to resume from, until the next search).
 */
void por_search_end(void)
{
	free(por.stack);
	free(por.steps);
	free(por.words);
	free(por.procs);
	free(por.reads);
	free(por.clocks);
	free(por.proc_index);
	free(por.block);
	por.stack = NULL;
	por.steps = NULL;
	por.words = NULL;
	por.procs = NULL;
	por.reads = NULL;
	por.clocks = NULL;
	por.proc_index = NULL;
	por.block = NULL;
	por.cap_steps = por.cap_words = por.cap_procs = 0;
	por.cap_reads = por.cap_clocks = 0;
	por.nr_objects = 0;
	por.on = false;
}

/* Try each option of process @proc at choice @c; false if it has none. */
static bool try_proc(long c, uint64_t proc)
{
	struct choice *ch = &por.stack[c];
	bool any = false;

	for (int k = 0; k < ch->nr_options; k++)
		if (por.procs[ch->procs + k] == proc) {
			__set_bit(k, ch->todo);
			any = true;
		}
	return any;
}

/* Try process @proc at choice @c, or every option if it has none there. */
static void try_at(long c, uint64_t proc)
{
	if (c < 0 || c >= por.depth || try_proc(c, proc))
		return;
	bitmap_fill(por.stack[c].todo, por.stack[c].nr_options);
}

static struct word_state *word_state(uint64_t word)
{
	uint64_t i = mix(word) & (WORD_SLOTS - 1);

	for (int probes = 0; probes < WORD_SLOTS; probes++, i = (i + 1) & (WORD_SLOTS - 1)) {
		struct word_state *w = &por.ws[i];

		if (w->gen != por.gen) {
			*w = (struct word_state){ .word = word, .last_write = -1,
						  .reads = -1, .gen = por.gen };
			return w;
		}
		if (w->word == word)
			return w;
	}
	return NULL;
}

/* Map each step's process to a small index; false if there are too many. */
static bool index_processes(int *nr)
{
	uint64_t seen[MAX_PROCS];

	*nr = 0;
	for (long s = 0; s < por.nr_steps; s++) {
		int p;

		for (p = 0; p < *nr && seen[p] != por.steps[s].proc; p++)
			;
		if (p == *nr) {
			if (*nr == MAX_PROCS)
				return false;
			seen[(*nr)++] = por.steps[s].proc;
		}
		por.proc_index[s] = p;
		por.block[s] = s && por.steps[s - 1].proc == por.steps[s].proc ?
			       por.block[s - 1] : s;
	}
	return true;
}

/* Step @i (another process's) conflicts with step @j: a race unless ordered. */
static void conflict(long i, long j, const uint32_t *before, int nr)
{
	const struct step *si = &por.steps[i], *sj = &por.steps[j];
	int p = por.proc_index[i];

	if (p == por.proc_index[j] || por.clocks[i * nr + p] <= before[p])
		return;	/* the same process, or already ordered */
	try_at(si->choice, sj->proc);
	/* where its block began: trying it there costs no more preemptions */
	try_at(por.steps[por.block[i]].choice, sj->proc);
}

static void join(uint32_t *clock, long i, int nr)
{
	for (int p = 0; p < nr; p++)
		clock[p] = max(clock[p], por.clocks[i * nr + p]);
}

/* Every option of every choice: what the search does when it cannot analyse. */
static void try_everything(void)
{
	for (long c = 0; c < por.depth; c++)
		bitmap_fill(por.stack[c].todo, por.stack[c].nr_options);
}

/* The run's races: vector clocks over the steps, word by word. */
static void analyse(void)
{
	uint32_t before[MAX_PROCS];
	long last_of[MAX_PROCS];
	long steps = max(por.nr_steps, 1L);
	int nr;

	free(por.proc_index);
	free(por.block);
	por.proc_index = malloc(sizeof(*por.proc_index) * steps);
	por.block = malloc(sizeof(*por.block) * steps);
	if (por.lost || !por.proc_index || !por.block || !index_processes(&nr) ||
	    !grow((void **)&por.clocks, &por.cap_clocks, por.nr_steps * nr + 1,
		  sizeof(*por.clocks))) {
		try_everything();
		return;
	}
	if (!++por.gen) {
		memset(por.ws, 0, sizeof(por.ws));
		por.gen = 1;
	}
	por.nr_reads = 0;
	for (int p = 0; p < nr; p++)
		last_of[p] = -1;
	for (long j = 0; j < por.nr_steps; j++) {
		const struct step *sj = &por.steps[j];
		int q = por.proc_index[j];
		uint32_t *clock = &por.clocks[j * nr];

		if (last_of[q] >= 0)
			memcpy(before, &por.clocks[last_of[q] * nr], nr * sizeof(*before));
		else
			memset(before, 0, nr * sizeof(*before));
		memcpy(clock, before, nr * sizeof(*clock));
		for (int k = 0; k <= sj->nr_words; k++) {
			uint64_t word = k < sj->nr_words ?
					por.words[sj->words + k] >> 1 : MACHINE_WORD;
			bool write = k < sj->nr_words ?
				     por.words[sj->words + k] & 1 : sj->global;
			struct word_state *w = word_state(word);

			if (!w) {
				try_everything();
				return;
			}
			if (w->last_write >= 0) {
				conflict(w->last_write, j, before, nr);
				join(clock, w->last_write, nr);
			}
			if (write) {
				for (long r = w->reads; r >= 0; r = por.reads[r].next) {
					conflict(por.reads[r].step, j, before, nr);
					join(clock, por.reads[r].step, nr);
				}
				w->last_write = j;
				w->reads = -1;
			} else {
				if (!grow((void **)&por.reads, &por.cap_reads,
					  por.nr_reads + 1, sizeof(*por.reads))) {
					try_everything();
					return;
				}
				por.reads[por.nr_reads] = (struct read){
					.step = j, .next = w->reads,
				};
				w->reads = por.nr_reads++;
			}
		}
		clock[q] = before[q] + 1;
		last_of[q] = j;
	}
}

/**
 * por_next_prefix() - after a run: its races, then the next run to do
 * @prefix: the next run's decisions, written here
 * @nr_choices: the run's choices (det_chosen[], det_options[])
 * @replayed: its prefix's length: the choices before were the last run's
 *
 * Return: the next prefix's length, or -1 when the bound is covered.
 */
long por_next_prefix(uint16_t *prefix, long nr_choices, long replayed)
{
	long n = min(nr_choices, (long)DET_MAX_CHOICES);
	int pre = 0;
	static int pre_at[DET_MAX_CHOICES];

	/* the new choices: each tried with what the run took */
	for (long c = max(replayed, 0L); c < n; c++) {
		struct choice *ch = &por.stack[c];

		bitmap_zero(ch->todo, DET_MAX_DECS);
		bitmap_zero(ch->done, DET_MAX_DECS);
		ch->chosen = det_chosen[c];
		if (por.lost || ch->nr_options != det_options[c]) {
			/* no processes recorded: every option */
			ch->nr_options = det_options[c];
			bitmap_fill(ch->todo, ch->nr_options);
		}
		__set_bit(ch->chosen, ch->done);
	}
	por.depth = n;
	/*
	 * A process with several options (a vCPU to run on, a wakeup's cause,
	 * a hotplug event's refusal) is tried with each: they are its choices,
	 * not other processes'.
	 */
	for (long c = max(replayed, 0L); c < n && !por.lost; c++)
		try_proc(c, por.procs[por.stack[c].procs + por.stack[c].chosen]);
	if (por.lost)
		try_everything();
	else
		analyse();
	for (long c = 0; c < n; c++) {
		pre_at[c] = pre;
		pre += por.stack[c].chosen && det_cur_enabled[c];
	}
	for (long c = n - 1; c >= 0; c--) {
		struct choice *ch = &por.stack[c];

		for (int k = 0; k < ch->nr_options; k++) {
			if (!test_bit(k, ch->todo) || test_bit(k, ch->done))
				continue;
			__set_bit(k, ch->done);
			if (pre_at[c] + (k && det_cur_enabled[c]) > por.bound)
				continue;
			for (long i = 0; i < c; i++)
				prefix[i] = por.stack[i].chosen;
			prefix[c] = ch->chosen = k;
			return c + 1;
		}
	}
	return -1;
}

/* The options in @bits (and, with @but, not in it), as a count and a list. */
static long emit_options(uint16_t *out, long n, const unsigned long *bits,
			 const unsigned long *but)
{
	long at = n++;

	out[at] = 0;
	for (int k = 0; k < DET_MAX_DECS; k++)
		if (test_bit(k, bits) && !(but && test_bit(k, but))) {
			out[n++] = k;
			out[at]++;
		}
	return n;
}

/**
 * por_encode() - the search's pending work, for a search that resumes it
 * @next: the length of the next run's prefix (por_next_prefix())
 * @len: set to the list's length
 *
 * Per choice of that prefix: the option it takes, the options tried there,
 * and those still to try.
 *
 * Return: the list, or NULL (no memory).
 */
const uint16_t *por_encode(long next, long *len)
{
	long n = 0, size = 2 + 3 * next;
	DECLARE_BITMAP(both, DET_MAX_DECS);
	uint16_t *out;

	for (long c = 0; c < next; c++) {
		bitmap_or(both, por.stack[c].todo, por.stack[c].done, DET_MAX_DECS);
		size += bitmap_weight(both, DET_MAX_DECS);
	}
	out = realloc(por.resume, size * sizeof(*out));
	if (!out)
		return NULL;
	por.resume = out;
	out[n++] = next >> 16;
	out[n++] = next & 0xffff;
	for (long c = 0; c < next; c++) {
		const struct choice *ch = &por.stack[c];

		out[n++] = ch->chosen;
		n = emit_options(out, n, ch->done, NULL);
		n = emit_options(out, n, ch->todo, ch->done);
	}
	*len = n;
	return out;
}

/* A count and a list of options into @bits; the new position, or -1. */
static long read_options(const uint16_t *buf, long n, long at,
			 unsigned long *bits)
{
	long count;

	if (at >= n)
		return -1;
	count = buf[at++];
	if (n - at < count)
		return -1;
	for (long i = 0; i < count; i++, at++) {
		if (buf[at] >= DET_MAX_DECS)
			return -1;
		__set_bit(buf[at], bits);
	}
	return at;
}

/**
 * por_decode() - resume a search from por_encode()'s list
 * @buf: the list
 * @n: its length
 * @prefix: the next run's decisions, written here
 *
 * Return: the next run's prefix length, or -EINVAL (not such a list).
 */
long por_decode(const uint16_t *buf, long n, uint16_t *prefix)
{
	long next, at = 2;

	if (n < 2)
		return -EINVAL;
	next = (long)buf[0] << 16 | buf[1];
	if (next < 1 || next > DET_MAX_CHOICES)
		return -EINVAL;
	for (long c = 0; c < next; c++) {
		struct choice *ch = &por.stack[c];

		if (at >= n)
			return -EINVAL;
		memset(ch, 0, sizeof(*ch));
		ch->chosen = prefix[c] = buf[at++];
		if (ch->chosen >= DET_MAX_DECS)
			return -EINVAL;
		at = read_options(buf, n, at, ch->done);
		at = at < 0 ? at : read_options(buf, n, at, ch->todo);
		if (at < 0)
			return -EINVAL;
		__set_bit(ch->chosen, ch->done);
		bitmap_or(ch->todo, ch->todo, ch->done, DET_MAX_DECS);
	}
	if (at != n)
		return -EINVAL;
	por.depth = next;
	return next;
}
