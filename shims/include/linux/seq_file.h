/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SEQ_FILE_H
#define _LINUX_SEQ_FILE_H
/*
 * seq_file as a show function sees it: text appended to a buffer.  Past
 * the end, the kernel marks the file overflowed (and retries with a bigger
 * buffer); here count stays at size and the rest is dropped.
 */
#include <linux/types.h>
#include <linux/compiler.h>

struct seq_file {
	char		*buf;
	size_t		size;
	size_t		count;
	void		*private;
};

__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);

static inline bool seq_has_overflowed(struct seq_file *m)
{
	return m->count == m->size;
}
#endif
