/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef NVMETRACE_FEATURE_H
#define NVMETRACE_FEATURE_H

#include <stdbool.h>

/* Attach an empty fentry program to a kernel function and detach it:
 * 0 if fentry can trace func on this kernel, else a negative errno.
 */
int feature_fentry(const char *func);

/* Whether the verifier takes BPF atomics with fetch (compare-and-swap,
 * exchange: Linux 5.12), which the pairing table needs.
 */
bool feature_bpf_atomics(void);

#endif
