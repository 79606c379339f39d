/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output backends: how records are printed. */
#ifndef NVMETRACE_OUTPUT_H
#define NVMETRACE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "record.h"

/* Converts the BPF side's CLOCK_MONOTONIC stamps to wall-clock time. */
struct clock_ref {
	int64_t mono_to_real_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

void clock_ref_init(struct clock_ref *ref);

struct output {
	void (*header)(FILE *f);
	void (*record)(FILE *f, const struct nvmetrace_record *r,
		       const struct clock_ref *clock);
};

/* The seeds' columns: TIME COMM PID OPCODE COMMAND-ID NSID CDW10. */
extern const struct output output_table;

#endif /* NVMETRACE_OUTPUT_H */
