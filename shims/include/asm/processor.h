/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_PROCESSOR_H
#define _ASM_PROCESSOR_H

#include <linux/compiler.h>

/*
 * A busy-wait turn.  The runtime yields the host core now and then so that
 * more vCPUs than cores still make progress, and notices a dead kernel.
 */
void shim_cpu_relax(void);

static inline void cpu_relax(void)
{
	shim_sched_point(SP_RELAX, NULL);
	shim_cpu_relax();
}

#endif /* _ASM_PROCESSOR_H */
