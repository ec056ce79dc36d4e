// SPDX-License-Identifier: GPL-2.0
/* The one thread-local word every kernel image shares: see shim/runtime.h. */
struct task_struct;

__attribute__((visibility("default"), tls_model("initial-exec")))
__thread struct task_struct *shim_current;
