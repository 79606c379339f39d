/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef NVMETRACE_FEATURE_H
#define NVMETRACE_FEATURE_H

#include <stdbool.h>

/* Load an empty fentry program for the function at btf_id in the BTF
 * object btf_obj_fd (a module's BTF fd, 0 for vmlinux), attach it and
 * detach it: 0 if fentry can trace the function on this kernel, else a
 * negative errno, from the load (*loaded false) or from the attach. Two
 * instructions loaded by hand: no libbpf object, no BTF parse.
 */
int feature_fentry_id(int btf_obj_fd, int btf_id, bool *loaded);

/* Whether the verifier takes BPF atomics with fetch (compare-and-swap,
 * exchange: Linux 5.12), which the pairing table needs.
 */
bool feature_bpf_atomics(void);

#endif
