/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --list: the NVMe attach points the running kernel offers. */
#ifndef NVMETRACE_LIST_H
#define NVMETRACE_LIST_H

/* Print the attach points matching pattern (a glob; NULL: the default set).
 * Returns the process exit status.
 */
int list_run(const char *pattern);

#endif /* NVMETRACE_LIST_H */
