/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Latency histograms (-H) and the summary view (-S): groups of commands
 * with their slot counts, aggregated in the kernel (live) or from records
 * (-r), printed per interval.
 */
#ifndef NVMETRACE_REPORT_H
#define NVMETRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "record.h"
#include "hist.h"

struct report_group {
	struct hist_key key;
	struct hist_val val;
};

struct report {
	struct report_group *groups;
	size_t n, cap;
	__u8 by;			/* HIST_BY_* */
};

/* Parse --by: "disk,opcode", "ctrl", "qid", "status", "comm" (or
 * "process"). Returns the HIST_BY_* mask, or -1.
 */
int report_parse_by(const char *s);

/* Add one group's counts (merging with an equal key). */
void report_merge(struct report *rep, const struct hist_key *key, const struct hist_val *val);
/* Count one completed record (for -r). */
void report_add_record(struct report *rep, const struct nvmetrace_record *r);
void report_clear(struct report *rep);
void report_free(struct report *rep);

/* The latency (ns) at quantile q (0 < q <= 1) of a histogram: the
 * midpoint of the slot holding it, clamped to [min, max]. Within 3.2% of
 * the exact value for latencies of 16 ns and more.
 */
uint64_t report_quantile(const struct hist_val *v, double q);

/* Print every group: a heading with count, min, mean, max, p50, p90, p99,
 * p99.9 (microseconds) and a log2 histogram in microseconds.
 */
void report_print_hist(FILE *f, struct report *rep, bool json, const char *time);

/* Print one line per device and opcode: commands/s, MB/s, mean and p99
 * latency, errors by status name; inflight lists commands in flight per
 * device ("nvme0n1 2"), requeued those set up again before completing
 * (either may be NULL). seconds is the length of the interval. With json,
 * a non-NULL time ("HH:MM:SS", the end of an -i interval) starts every
 * object as "time".
 */
void report_print_summary(FILE *f, struct report *rep, double seconds, bool json,
			  const struct report *inflight, const struct report *requeued,
			  const char *time);

#endif /* NVMETRACE_REPORT_H */
