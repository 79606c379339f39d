/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The tracing session: open -> configure -> load -> attach -> loop -> detach. */
#ifndef NVMETRACE_TRACE_H
#define NVMETRACE_TRACE_H

/* The kernel function nvmetrace hooks for passthrough commands. */
#define SUBMIT_FUNC "nvme_submit_user_cmd"

/* Trace until SIGINT/SIGTERM. Returns the process exit status. */
int trace_run(void);

#endif /* NVMETRACE_TRACE_H */
