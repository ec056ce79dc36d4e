/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_BH_H
#define _LINUX_BH_H
#include <linux/preempt.h>
#define local_bh_disable()	preempt_count_add(SOFTIRQ_DISABLE_OFFSET)
#define local_bh_enable()	preempt_count_sub(SOFTIRQ_DISABLE_OFFSET)
#endif
