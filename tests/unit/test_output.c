// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The table writer formats numbers and names by hand for speed: its
 * columns must be exactly what the printf formats it replaces print
 * ("%-7u", "%-6x", "%.1f" with printf's rounding of ties, "%#x", "%-16s"
 * of a sanitized comm...). Each row is compared with the same row built
 * with snprintf, over edge values and a pseudo-random sweep. The JSON
 * writer's strings (escaped eight bytes at a time while they are plain) are
 * compared with a byte-by-byte reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "output.h"
#include "unit.h"

static uint64_t rng = 0x7461626c65ull;	/* "table" */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The reference: what table rows were, printf column by column. */
static void printable_ref(char *out, const char *s, int max)
{
	int i;

	for (i = 0; i < max && s[i]; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static void expected_prefix(char *buf, size_t len, const struct nvmetrace_record *r,
			    const struct output_ctx *ctx)
{
	char ts[64], comm[17], status[32], lat[48], dev[40];
	uint32_t nsid = r->sqe[4] | r->sqe[5] << 8 | r->sqe[6] << 16 | (uint32_t)r->sqe[7] << 24;
	uint32_t cdw10 = r->sqe[40] | r->sqe[41] << 8 | r->sqe[42] << 16 |
			 (uint32_t)r->sqe[43] << 24;
	size_t n;

	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	printable_ref(comm, r->comm, 16);
	if (r->flags & NVMETRACE_F_INFLIGHT)
		snprintf(status, sizeof(status), "inflight");
	else if (r->flags & NVMETRACE_F_REQUEUED)
		snprintf(status, sizeof(status), "requeued");
	else if (r->status == 0)
		snprintf(status, sizeof(status), "0");
	else
		snprintf(status, sizeof(status), "%#x", (unsigned)r->status);
	snprintf(lat, sizeof(lat), "%.1f", r->latency_ns / 1000.0);
	n = (size_t)snprintf(buf, len, "%-8s %-16s %-7u %-6x %-10x %-8x %-8x %-8s %10s",
			     ts, comm, r->pid, r->sqe[0], r->sqe[2] | r->sqe[3] << 8,
			     nsid, cdw10, status, lat);
	if (ctx->all) {
		if (r->disk[0])
			printable_ref(dev, r->disk, 32);
		else if (r->flags & NVMETRACE_F_CTRL)
			snprintf(dev, sizeof(dev), "nvme%d", r->ctrl);
		else
			snprintf(dev, sizeof(dev), "?");
		snprintf(buf + n, len - n, " %-10s %-3u", dev, r->qid);
	}
}

/* The reference for JSON strings: comm and disk names are bytes, escaped
 * one by one (docs/json.md).
 */
static size_t json_string_ref(char *out, const char *s, size_t max)
{
	size_t i, n = 0;

	out[n++] = '"';
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			n += (size_t)sprintf(out + n, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)sprintf(out + n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

static void random_name(char *s, size_t size, bool odd_bytes)
{
	size_t n = rnd() % (size + 1), i;

	memset(s, 0, size);
	for (i = 0; i < n; i++)
		s[i] = odd_bytes && rnd() % 4 == 0 ? (char)(rnd() % 255 + 1) : (char)('a' + rnd() % 26);
	/* Sometimes bytes after the terminator, which end nothing: a name
	 * ends at its first NUL.
	 */
	for (i = n + 1; rnd() % 2 && i < size; i++)
		s[i] = (char)rnd();
}

static void random_record(struct nvmetrace_record *r, int i)
{
	static const uint64_t lat_edges[] = {
		0, 1, 49, 50, 51, 99, 100, 149, 150, 151, 950, 999950, 1000050,
		9999950, 123456789050ull, (1ull << 50) - 50, 1ull << 50,
		(1ull << 50) + 50, ~0ull, ~0ull - 50,
	};
	static const uint32_t u32_edges[] = {
		0, 1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
		0xfffff, 0x100000, 0xffffff, 0x1000000, 0x0fffffff, 0x10000000,
		0x7fffffff, 0x80000000, 0xffffffff,
	};
	const size_t nl = sizeof(lat_edges) / sizeof(lat_edges[0]);
	const size_t nu = sizeof(u32_edges) / sizeof(u32_edges[0]);

	memset(r, 0, sizeof(*r));
	r->ts_ns = 1000000000000ull + (uint64_t)i * 1234567;
	r->latency_ns = i < (int)nl ? lat_edges[i] :
			rnd() % 3 ? (rnd() % 100000) * 100 + 50 :	/* ties */
			rnd() >> (rnd() % 64);
	r->pid = i < (int)nu ? u32_edges[i] : (uint32_t)(rnd() >> (rnd() % 64));
	for (int k = 0; k < 64; k++)
		r->sqe[k] = (uint8_t)rnd();
	r->sqe[0] = (uint8_t)(i < (int)nu ? u32_edges[i] : rnd());
	put_le32(r->sqe + 4, i < (int)nu ? u32_edges[nu - 1 - i] : (uint32_t)(rnd() >> (rnd() % 32)));
	put_le32(r->sqe + 40, i < (int)nu ? u32_edges[(i + 5) % nu] : (uint32_t)(rnd() >> (rnd() % 32)));
	r->flags = NVMETRACE_F_COMPLETED | NVMETRACE_F_QID | NVMETRACE_F_QTYPE;
	switch (rnd() % 8) {
	case 0:
		r->flags = NVMETRACE_F_INFLIGHT;
		break;
	case 1:
		r->flags |= NVMETRACE_F_REQUEUED;
		break;
	case 2:
		r->status = (int32_t)(rnd() % 0x10000);
		break;
	case 3:
		r->status = (int32_t)(rnd() & 0x7fffffff);
		break;
	}
	if (rnd() % 2)
		r->flags |= NVMETRACE_F_CTRL;
	r->ctrl = (int32_t)(rnd() % 3 ? rnd() % 8 : rnd());
	r->qid = (uint16_t)rnd();
	random_name(r->comm, sizeof(r->comm), rnd() % 2);
	random_name(r->disk, sizeof(r->disk), rnd() % 2);
}

/* The JSON writer checks its room once for a run of pieces and then stores
 * without checks (PIECE_MAX bytes a piece): put a line at each of the last
 * left bytes of the sink's block, which is allocated to its size (ASan, in
 * the unit-asan build, sees a store past it), and see the line come out
 * whole, part written to stdout when the block filled and the rest left in
 * the block. tmp takes stdout's file descriptor. Returns the number of
 * placements that differ.
 */
static int json_at_block_end(const struct nvmetrace_record *r, const struct output_ctx *ctx,
			     FILE *tmp)
{
	char *want = NULL, *block = malloc(SINK_BLOCK), out[8192];
	size_t want_len = 0, left, start, skip, n;
	int fd = fileno(tmp), saved, bad = 0;
	FILE *f = open_memstream(&want, &want_len);
	off_t size;

	if (!f || !block)
		return 1;
	output_json.record(f, r, ctx);
	fclose(f);
	if (want_len + 16 > sizeof(out))
		return 1;
	fflush(stdout);
	saved = dup(1);
	if (saved < 0 || dup2(fd, 1) < 0)
		return 1;
	memset(block, 'x', SINK_BLOCK);
	/* From no room at all to room for the line and more. */
	for (left = 1; left <= want_len + 8; left++) {
		struct sink s = { .out = &output_json, .ctx = *ctx, .block = block,
				  .block_len = SINK_BLOCK - left };

		start = SINK_BLOCK - left - 16;	/* 16 bytes before the line */
		if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
			break;
		output_json.put(&s, r);
		/* What came out from start on: the file's part, then the block's. */
		size = lseek(fd, 0, SEEK_END);
		n = 0;
		if (size > (off_t)start)
			n = (size_t)pread(fd, out, sizeof(out), (off_t)start);
		skip = size > (off_t)start ? 0 : start - (size_t)size;
		if (s.block_len < skip || n + s.block_len - skip > sizeof(out)) {
			bad++;
			continue;
		}
		memcpy(out + n, block + skip, s.block_len - skip);
		n += s.block_len - skip;
		if (s.error || n != 16 + want_len || memcmp(out + 16, want, want_len) ||
		    memcmp(out, "xxxxxxxxxxxxxxxx", 16))
			bad++;
		memset(block, 'x', want_len + 16);	/* where the line went on */
		memset(block + SINK_BLOCK - left, 'x', left);
	}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	free(want);
	free(block);
	return bad;
}

/* The longest lines: every number at its widest, every name escaped. */
static void widest_record(struct nvmetrace_record *r, int kind)
{
	memset(r, 0, sizeof(*r));
	r->ts_ns = ~0ull;
	r->latency_ns = ~0ull;
	r->result = ~0ull;
	r->pid = r->tid = ~0u;
	r->data_len = ~0u;
	r->qid = r->tag = 0xffff;
	r->retries = 0xff;
	r->ctrl = INT32_MIN;
	r->source = kind == 4 ? NVMETRACE_SRC_USER_CMD : NVMETRACE_SRC_REQUEST;
	r->flags = NVMETRACE_F_COMPLETED | NVMETRACE_F_QID | NVMETRACE_F_CTRL |
		   NVMETRACE_F_PTRS | NVMETRACE_F_SQE_FAULT | NVMETRACE_F_PASSTHRU |
		   NVMETRACE_F_QTYPE | (kind & 1 ? NVMETRACE_F_IOQ : 0) |
		   (kind == 2 ? NVMETRACE_F_INFLIGHT : 0) | (kind == 3 ? NVMETRACE_F_REQUEUED : 0);
	r->status = kind == 5 ? -524 : kind == 6 ? INT32_MIN : 0x7fff;
	memset(r->comm, 0x01, sizeof(r->comm));
	memset(r->disk, '"', sizeof(r->disk));
	memset(r->sqe, 0xff, sizeof(r->sqe));
	r->sqe[0] = kind & 1 ? 0x02 : 0x06;	/* Read, Identify: named fields */
	r->sqe[40] = kind & 1 ? 0xff : 0x00;	/* CNS 0 */
}

int main(void)
{
	struct output_ctx ctx = { .mono_to_real_ns = 1763770000000000000ll,
				  .start_ns = 1000000000000ull, .time_style = TIME_WALL };
	struct nvmetrace_record r;
	char want[512], want2[512], want3[64], *got = NULL;
	size_t got_len = 0, n;
	int i, bad = 0, first_bad = -1, json_bad = 0, json_first_bad = -1;
	FILE *f;

	setenv("TZ", "UTC", 1);
	for (i = 0; i < 200000; i++) {
		random_record(&r, i);
		ctx.all = i % 2;
		ctx.time_style = i % 5 == 0 ? TIME_ISO : i % 5 == 1 ? TIME_NS : TIME_WALL;
		f = open_memstream(&got, &got_len);
		if (!f)
			break;
		output_table.record(f, &r, &ctx);
		fclose(f);
		expected_prefix(want, sizeof(want), &r, &ctx);
		/* DETAILS follow after one space: compared elsewhere
		 * (test_fields, the VM suites).
		 */
		if (strncmp(got, want, strlen(want)) || got[strlen(want)] != ' ') {
			if (first_bad < 0) {
				first_bad = i;
				printf("row %d\n got: %s want: %s\n", i, got, want);
			}
			bad++;
		}
		free(got);
		got = NULL;

		/* The same record as a JSON line: its comm, disk and controller. */
		f = open_memstream(&got, &got_len);
		if (!f)
			break;
		output_json.record(f, &r, &ctx);
		fclose(f);
		n = (size_t)sprintf(want, ",\"comm\":");
		json_string_ref(want + n, r.comm, sizeof(r.comm));
		n = (size_t)sprintf(want2, ",\"disk\":");
		if (r.disk[0])
			json_string_ref(want2 + n, r.disk, sizeof(r.disk));
		else
			strcpy(want2 + n, "null");
		if (r.flags & NVMETRACE_F_CTRL)
			snprintf(want3, sizeof(want3), ",\"ctrl\":\"nvme%d\",", r.ctrl);
		else
			snprintf(want3, sizeof(want3), ",\"ctrl\":null,");
		if (!strstr(got, want) || !strstr(got, want2) || !strstr(got, want3)) {
			if (json_first_bad < 0) {
				json_first_bad = i;
				printf("row %d\n got: %s want: %s, %s and %s\n", i, got, want, want2,
				       want3);
			}
			json_bad++;
		}
		free(got);
		got = NULL;
	}
	{
		static const enum time_style styles[] = { TIME_WALL, TIME_ISO, TIME_REL, TIME_NS };
		FILE *tmp = tmpfile();
		int placed = 0, differ = 0, k, t;

		for (k = 0; tmp && k < 7 + 8; k++) {
			if (k < 7)
				widest_record(&r, k);
			else
				random_record(&r, 1000 + k);
			for (t = 0; t < 4; t++) {
				ctx.time_style = styles[t];
				differ += json_at_block_end(&r, &ctx, tmp);
				placed++;
			}
		}
		if (tmp)
			fclose(tmp);
		CHECK(tmp && differ == 0, "JSON lines at the sink's block's end: whole, and no store past "
		      "it (%d lines at every offset, %d placements differ)", placed, differ);
	}
	CHECK(i == 200000, "table rows: a memory stream for each of 200000 rows");
	CHECK(bad == 0, "table rows: every column as printf prints it (200000 rows, %d differ, "
	      "first %d)", bad, first_bad);
	CHECK(json_bad == 0, "JSON lines: comm and disk escaped byte by byte as the reference does, "
	      "ctrl as \"nvme%%d\" "
	      "(200000 lines, %d differ, first %d)", json_bad, json_first_bad);
	return UNIT_DONE();
}
