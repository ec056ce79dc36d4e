// SPDX-License-Identifier: GPL-2.0
/* seq_file's writers: see <linux/seq_file.h>. */
#include <linux/seq_file.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/**
 * seq_printf() - append formatted text to @m
 * @m: the file
 * @fmt: printf format
 */
void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list args;
	int len;

	if (m->count >= m->size)
		return;
	va_start(args, fmt);
	len = vsnprintf(m->buf + m->count, m->size - m->count, fmt, args);
	va_end(args);
	m->count = len >= 0 && m->count + len < m->size ? m->count + len : m->size;
}

/**
 * seq_puts() - append @s to @m
 * @m: the file
 * @s: the text
 */
void seq_puts(struct seq_file *m, const char *s)
{
	seq_printf(m, "%s", s);
}

/**
 * seq_putc() - append @c to @m
 * @m: the file
 * @c: the character
 */
void seq_putc(struct seq_file *m, char c)
{
	if (m->count < m->size)
		m->buf[m->count++] = c;
}
