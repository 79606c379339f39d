/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Output backends: how records are printed. One small interface, one
 * implementation per format (table, JSON Lines).
 */
#ifndef NVMETRACE_OUTPUT_H
#define NVMETRACE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "cli.h"
#include "record.h"

/* What a backend needs besides the record. */
struct output_ctx {
	int64_t mono_to_real_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t start_ns;		/* CLOCK_MONOTONIC when tracing started */
	enum time_style time_style;
	bool all;			/* -a columns */
};

/* Fill the clock reference from the current clocks. */
void output_ctx_init_clock(struct output_ctx *ctx);

struct sink;

struct output {
	void (*header)(FILE *f, const struct output_ctx *ctx);
	/* One record to f. */
	void (*record)(FILE *f, const struct nvmetrace_record *r,
		       const struct output_ctx *ctx);
	/* The same record, added to the sink's block (see struct sink). */
	void (*put)(struct sink *s, const struct nvmetrace_record *r);
};

extern const struct output output_table;
extern const struct output output_json;

/* Format the record's timestamp in the context's style into buf (len
 * bytes, snprintf's truncation); returns the length written.
 */
size_t output_format_time(char *buf, size_t len, uint64_t ts_ns,
			  const struct output_ctx *ctx);


/* Where records go: a printing backend on stdout, or a capture file (-w).
 * A printing backend writes its records into block, which goes to stdout's
 * file descriptor whole (one write a block, not a stdio copy a record) when
 * it fills and at each sink_flush().
 */
#define SINK_BLOCK	(128 * 1024)

struct sink {
	const struct output *out;
	FILE *capture;			/* non-NULL: -w */
	struct output_ctx ctx;
	int error;			/* first write error (errno) */
	char *block;			/* records not yet written (printing) */
	size_t block_len;
};

/* Open the sink env asks for (-j, -w) with this clock reference; writes
 * the table header or the capture header. Returns 0 or prints one line
 * and returns -1.
 */
int sink_open(struct sink *s, bool all, int64_t mono_to_real_ns, uint64_t start_ns);
void sink_record(struct sink *s, const struct nvmetrace_record *r);
/* Flush (the records so far are written); report a write error once.
 * Returns 0 or -1.
 */
int sink_flush(struct sink *s);
void sink_close(struct sink *s);

#endif /* NVMETRACE_OUTPUT_H */
