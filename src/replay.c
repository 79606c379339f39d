// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "capture.h"
#include "cli.h"
#include "filter.h"
#include "output.h"
#include "replay.h"
#include "report.h"

/* -H/-S over a capture: aggregate the kept records, print once. */
static enum capture_status replay_report(struct capture_reader *rd)
{
	struct report rep = { .by = env.summary ? HIST_BY_DISK | HIST_BY_OPCODE | HIST_BY_STATUS :
						 (__u8)env.hist_by };
	struct report infl = { .by = HIST_BY_DISK }, requeued = { .by = HIST_BY_DISK };
	const struct nvmetrace_record *r;
	struct nvmetrace_record copy;
	enum capture_status st;
	__u64 first = 0, last = 0;

	while ((st = capture_next_ref(rd, &r)) == CAPTURE_OK) {
		if (!filter_keep(&env.filter, r))
			continue;
		if (!first || r->ts_ns < first)
			first = r->ts_ns;
		if (r->ts_ns + r->latency_ns > last)
			last = r->ts_ns + r->latency_ns;
		if (r->flags & (NVMETRACE_F_INFLIGHT | NVMETRACE_F_REQUEUED)) {
			/* Count it once for its device. */
			copy = *r;
			copy.flags |= NVMETRACE_F_COMPLETED;
			report_add_record(r->flags & NVMETRACE_F_INFLIGHT ? &infl : &requeued, &copy);
			continue;
		}
		report_add_record(&rep, r);
	}
	if (env.summary)
		report_print_summary(stdout, &rep, last > first ? (last - first) / 1e9 : 1,
				     env.json, &infl, &requeued, NULL);
	else
		report_print_hist(stdout, &rep, env.json, NULL);
	fflush(stdout);
	report_free(&rep);
	report_free(&infl);
	report_free(&requeued);
	return st;
}

/* Replay is a batch job: a big stdout buffer saves a write per 4 KiB of
 * -H and -S output (records go out in the sink's blocks). A terminal stays
 * line-buffered and a pipe keeps its default.
 */
static void buffer_stdout(void)
{
	static char buf[256 * 1024];
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    isatty(STDOUT_FILENO))
		return;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

int replay_run(void)
{
	const char *name = strcmp(env.read_file, "-") ? env.read_file : "stdin";
	const struct nvmetrace_record *r;
	struct capture_reader rd;
	enum capture_status st;
	struct sink sink;
	char why[160];
	FILE *in;
	int ret = 0;

	in = strcmp(env.read_file, "-") ? fopen(env.read_file, "rbe") : stdin;
	if (!in) {
		fprintf(stderr, "nvmetrace: failed to open %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (capture_open(&rd, in, why, sizeof(why))) {
		fprintf(stderr, "nvmetrace: failed to read %s: %s\n", name, why);
		ret = 1;
		goto out;
	}
	if (env.verbose)
		fprintf(stderr, "nvmetrace: %s: capture format %u, recorded by nvmetrace %s on %s "
			"(Linux %s)%s\n", name, rd.info.version, rd.info.nvmetrace_version,
			rd.info.hostname, rd.info.kernel_release,
			rd.info.flags & CAPTURE_F_ALL ? " with -a" : "");
	buffer_stdout();
	if (env.hist || env.summary) {
		st = replay_report(&rd);
	} else {
		if (sink_open(&sink, rd.info.flags & CAPTURE_F_ALL, rd.info.mono_to_real_ns,
			      rd.info.start_ns)) {
			ret = 1;
			goto out;
		}
		while ((st = capture_next_ref(&rd, &r)) == CAPTURE_OK) {
			if (filter_keep(&env.filter, r))
				sink_record(&sink, r);
			/* From a pipe (a live -w -), what came is printed
			 * before waiting for more: the sink holds up to a
			 * block otherwise.
			 */
			if (!rd.whole_blocks && rd.pos == rd.len && sink_flush(&sink))
				break;
		}
		if (sink_flush(&sink))
			ret = 1;
		sink_close(&sink);
	}
	/* What was valid is printed; then say where and why it stopped. */
	switch (st) {
	case CAPTURE_TRUNCATED:
		fprintf(stderr, "nvmetrace: %s: truncated at byte %llu, after record %llu: "
			"the records before it were read\n", name,
			(unsigned long long)rd.offset, (unsigned long long)rd.records);
		ret = 1;
		break;
	case CAPTURE_CORRUPT:
		fprintf(stderr, "nvmetrace: %s: corrupted record at byte %llu, after record %llu: "
			"stopped there, the records before it were read\n", name,
			(unsigned long long)rd.offset, (unsigned long long)rd.records);
		ret = 1;
		break;
	case CAPTURE_IO_ERROR:
		fprintf(stderr, "nvmetrace: failed to read %s at byte %llu: %s\n", name,
			(unsigned long long)rd.offset, strerror(errno));
		ret = 1;
		break;
	default:
		break;
	}
out:
	if (in != stdin)
		fclose(in);
	return ret;
}
