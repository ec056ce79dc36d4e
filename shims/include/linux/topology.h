/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TOPOLOGY_H
#define _LINUX_TOPOLOGY_H
#include <linux/cpumask.h>
#define NUMA_NO_NODE	(-1)
#define cpu_to_node(cpu)	0
#define numa_node_id()		0
#endif
