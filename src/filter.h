/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The command filters in user space, for replayed captures (-r). Live
 * tracing applies the same rules in the kernel (bpf/nvmetrace.bpf.c).
 */
#ifndef NVMETRACE_FILTER_H
#define NVMETRACE_FILTER_H

#include <stdbool.h>
#include <linux/types.h>
#include "cli.h"
#include "record.h"

/* True if the record passes every filter. Like the kernel side, --failed
 * and -m judge completed commands only; commands still in flight at the
 * end of a recording are kept if they pass the others.
 */
bool filter_keep(const struct filters *f, const struct nvmetrace_record *r);

#endif /* NVMETRACE_FILTER_H */
