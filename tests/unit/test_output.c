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
	CHECK(i == 200000, "table rows: a memory stream for each of 200000 rows");
	CHECK(bad == 0, "table rows: every column as printf prints it (200000 rows, %d differ, "
	      "first %d)", bad, first_bad);
	CHECK(json_bad == 0, "JSON lines: comm and disk escaped byte by byte as the reference does, "
	      "ctrl as \"nvme%%d\" "
	      "(200000 lines, %d differ, first %d)", json_bad, json_first_bad);
	return UNIT_DONE();
}
