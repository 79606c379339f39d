/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef NVMETRACE_FEATURE_H
#define NVMETRACE_FEATURE_H

#include <stdbool.h>

/* Attach an empty fentry program to a kernel function and detach it:
 * 0 if fentry can trace func on this kernel, else a negative errno.
 */
int feature_fentry(const char *func);

/* The same for the function at btf_id in the BTF object btf_obj_fd (a
 * module's BTF fd, 0 for vmlinux), with no libbpf object and no BTF
 * parse: a two-instruction program loaded by hand. 0 if it attaches, a
 * negative errno from the attach if not, 1 if the probe itself could not
 * be loaded (nothing learnt).
 */
int feature_fentry_id(int btf_obj_fd, int btf_id);

/* Whether the verifier takes BPF atomics with fetch (compare-and-swap,
 * exchange: Linux 5.12), which the pairing table needs.
 */
bool feature_bpf_atomics(void);

#endif
