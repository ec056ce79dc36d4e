/* smp_cond_load_acquire()/_relaxed() spinning on a flag */
#include <asm/barrier.h>
#include <linux/compiler.h>

int probe(int *flag, unsigned long *word)
{
	int seen = smp_cond_load_acquire(flag, VAL != 0);

	return seen + (int)smp_cond_load_relaxed(word, VAL & 1);
}
