/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/printk.h>

/* BUG() ends this kernel instance: the report is kept, the process lives. */
#define BUG()	shim_bug(__FILE__, __LINE__, __func__, "kernel BUG")

#define BUG_ON(condition)						\
	do {								\
		if (unlikely(condition))				\
			shim_bug(__FILE__, __LINE__, __func__,		\
				 "kernel BUG: BUG_ON(%s)", #condition);	\
	} while (0)

#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		shim_report(SHIM_REPORT_WARN, __FILE__, __LINE__,	\
			    __func__, format);				\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		shim_report(SHIM_REPORT_WARN, __FILE__, __LINE__,	\
			    __func__, "WARN_ON(%s)", #condition);	\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition) ({					\
	static bool __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		shim_report(SHIM_REPORT_WARN, __FILE__, __LINE__,	\
			    __func__, "WARN_ON_ONCE(%s)", #condition);	\
	}								\
	unlikely(__ret_warn_once);					\
})

#define WARN_ONCE(condition, format...) ({				\
	static bool __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		shim_report(SHIM_REPORT_WARN, __FILE__, __LINE__,	\
			    __func__, format);				\
	}								\
	unlikely(__ret_warn_once);					\
})

#define VM_BUG_ON(cond)		BUG_ON(cond)
#define VM_WARN_ON(cond)	WARN_ON(cond)

#endif /* _LINUX_BUG_H */
