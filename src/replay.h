/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* -r: replay a capture file into any output, with the same filters. */
#ifndef NVMETRACE_REPLAY_H
#define NVMETRACE_REPLAY_H

/* Returns the process exit status. */
int replay_run(void);

#endif /* NVMETRACE_REPLAY_H */
