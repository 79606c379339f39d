// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "decode.h"
#include "digits.h"
#include "fields.h"
#include "kernel.h"
#include "names.h"
#include "output.h"

void output_ctx_init_clock(struct output_ctx *ctx)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ctx->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			       (real.tv_nsec - mono.tv_nsec);
	ctx->start_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
}

/* ---- hand-written formatting ---------------------------------------------
 * Replay prints millions of records a second (bench/replay.sh): printf's
 * format parsing, and localtime and strftime per record, were most of its
 * time. What follows writes exactly what the printf formats it replaces
 * write, and leaves the rare cases it cannot match to printf.
 */

/* Below 2^50 ns a double holds the count exactly, and x / 1e3 or x / 1e9
 * is off the exact quotient by less than 0.15 ns. The printed values are
 * whole nanoseconds, so at least 1 ns from a rounding boundary unless
 * exactly on it: printf rounds as the integers do, except on an exact tie
 * (a 5 just after the last digit printed), where the binary value decides.
 */
#define EXACT_NS_LIMIT	(1ull << 50)

/* "%.<decimals>f" of ns / unit_ns, where step_ns = unit_ns / 10^decimals:
 * rounded to nearest in integers. Returns 0 where that could differ from
 * printf (an exact tie, which printf rounds on the binary value; or a
 * count too large).
 */
static inline __attribute__((always_inline)) size_t
put_fixed(char *out, uint64_t ns, uint64_t unit_ns, uint64_t step_ns, size_t decimals)
{
	uint64_t steps = ns / step_ns, rem = ns % step_ns, per_unit = unit_ns / step_ns;
	size_t n;

	if (ns >= EXACT_NS_LIMIT || (step_ns > 1 && rem * 2 == step_ns))
		return 0;
	if (rem * 2 > step_ns)
		steps++;
	n = u64_write(out, steps / per_unit);
	out[n++] = '.';
	return n + u64_write_zeros(out + n, steps % per_unit, decimals);
}

/* "%.1f" (tenths) or "%.3f" of ns / 1000.0: microseconds. */
static size_t format_us(char out[32], uint64_t ns, bool tenths)
{
	size_t n = tenths ? put_fixed(out, ns, 1000, 100, 1) : put_fixed(out, ns, 1000, 1, 3);

	if (!n && tenths && ns < EXACT_NS_LIMIT) {
		/* A tie, ns ending in 50: printf rounds the double ns / 1000.0,
		 * a little above or below the tie. A long double holds that
		 * double times 1000 exactly (53 + 10 bits), so compare.
		 */
		double d = (double)ns / 1000.0;
		long double back = (long double)d * 1000;
		uint64_t tenth = ns / 100;

		if (back != (long double)ns) {
			tenth += back > (long double)ns;
			n = u64_write(out, tenth / 10);
			out[n++] = '.';
			out[n++] = (char)('0' + tenth % 10);
		}
	}
	if (!n)
		n = (size_t)snprintf(out, 32, tenths ? "%.1f" : "%.3f", ns / 1000.0);
	return n;
}

/* snprintf's truncation, for a string already formatted. */
static void copy_out(char *buf, size_t len, const char *s, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* localtime_r and strftime once a second, not once a record: a second's
 * fields and UTC offset do not change within it (time zone transitions
 * fall on whole seconds). One entry per style; nvmetrace prints from one
 * thread.
 */
struct second_cache {
	bool valid;
	time_t sec;
	size_t n, zone_n;
	char text[40];		/* "%H:%M:%S" or "%Y-%m-%dT%H:%M:%S" */
	char zone[16];		/* "%z" */
};

static const struct second_cache *cached_second(time_t sec, bool iso)
{
	static struct second_cache cache[2];
	struct second_cache *c = &cache[iso];
	struct tm tm;

	if (c->valid && c->sec == sec)
		return c;
	if (!localtime_r(&sec, &tm))
		return NULL;
	c->n = strftime(c->text, sizeof(c->text), iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	c->zone_n = iso ? strftime(c->zone, sizeof(c->zone), "%z", &tm) : 0;
	c->sec = sec;
	c->valid = true;
	return c->n ? c : NULL;
}

/* The printf and strftime formatting, for what the fast path leaves. */
static void format_time_slow(char *buf, size_t len, uint64_t ts_ns,
			     const struct output_ctx *ctx)
{
	/* Both may come from a capture file: wrap, never overflow. */
	int64_t real = (int64_t)(ts_ns + (uint64_t)ctx->mono_to_real_ns);
	time_t sec = (time_t)(real / 1000000000LL);
	struct tm tm;
	size_t n;

	switch (ctx->time_style) {
	case TIME_WALL:
		if (!localtime_r(&sec, &tm)) {	/* a year beyond int */
			snprintf(buf, len, "?");
			break;
		}
		strftime(buf, len, "%H:%M:%S", &tm);
		break;
	case TIME_ISO:
		if (!localtime_r(&sec, &tm)) {
			snprintf(buf, len, "?");
			break;
		}
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(buf + n, len - n, ".%06lld", (long long)(real % 1000000000LL) / 1000);
		strftime(buf + n, len - n, "%z", &tm);
		break;
	case TIME_REL:
		snprintf(buf, len, "%.6f", ts_ns >= ctx->start_ns ?
			 (double)(ts_ns - ctx->start_ns) / 1e9 :
			 -(double)(ctx->start_ns - ts_ns) / 1e9);
		break;
	case TIME_NS:
		snprintf(buf, len, "%" PRIu64, ts_ns);
		break;
	}
}

/* The same into out; returns its length, or 0 to use format_time_slow(). */
static size_t format_time_fast(char out[64], uint64_t ts_ns, const struct output_ctx *ctx)
{
	int64_t real = (int64_t)(ts_ns + (uint64_t)ctx->mono_to_real_ns);
	const struct second_cache *c;
	uint64_t delta;
	size_t n = 0, m;

	switch (ctx->time_style) {
	case TIME_WALL:
	case TIME_ISO:
		/* Before 1970 the remainder is negative: leave it to printf. */
		if (real < 0)
			return 0;
		c = cached_second((time_t)(real / 1000000000LL), ctx->time_style == TIME_ISO);
		if (!c)
			return 0;
		memcpy(out, c->text, c->n);
		if (ctx->time_style == TIME_WALL)
			return c->n;
		n = c->n;
		out[n++] = '.';
		n += u64_write_zeros(out + n, (uint64_t)(real % 1000000000LL) / 1000, 6);
		memcpy(out + n, c->zone, c->zone_n);
		return n + c->zone_n;
	case TIME_REL:
		if (ts_ns >= ctx->start_ns) {
			delta = ts_ns - ctx->start_ns;
		} else {
			delta = ctx->start_ns - ts_ns;
			out[n++] = '-';		/* printf's "-0.000000" too */
		}
		m = put_fixed(out + n, delta, 1000000000ull, 1000, 6);
		return m ? n + m : 0;
	case TIME_NS:
		return u64_write(out, ts_ns);
	}
	return 0;
}

size_t output_format_time(char *buf, size_t len, uint64_t ts_ns,
			  const struct output_ctx *ctx)
{
	char tmp[64];
	size_t n;

	/* Room for any fast result: straight into buf. */
	if (len >= sizeof(tmp) && (n = format_time_fast(buf, ts_ns, ctx))) {
		buf[n] = '\0';
		return n;
	}
	n = format_time_fast(tmp, ts_ns, ctx);
	if (!n) {
		format_time_slow(buf, len, ts_ns, ctx);
		return len ? strlen(buf) : 0;
	}
	copy_out(buf, len, tmp, n);
	return n < len ? n : len ? len - 1 : 0;
}

/* A record's JSON line is built in a buffer: the sink's block (see struct
 * sink), or for record() one of its own, handed to stdio in one fwrite.
 * It is written through a cursor p that each piece takes and returns, so
 * that the compiler keeps it in a register: a piece checks its room
 * against l->end and, when short, the buffer is written out first
 * (line_spill()). The put_ helpers are inline: most copy a few bytes of
 * known length, which the compiler then does without a call.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

struct line {
	FILE *f;
	struct sink *sink;	/* non-NULL: buf is its block */
	char *buf, *end;	/* the room: buf up to end */
	char own[4096];
};

static void sink_drain(struct sink *s);

/* A line of its own; it starts at l->buf. */
static void line_init(struct line *l, FILE *f)
{
	l->f = f;	/* own is not cleared: 4 KiB a record is not free */
	l->sink = NULL;
	l->buf = l->own;
	l->end = l->own + sizeof(l->own);
}

/* The line goes on after what the sink's block holds; returns where. */
static char *line_init_sink(struct line *l, struct sink *s)
{
	l->f = stdout;
	l->sink = s;
	l->buf = s->block;
	l->end = s->block + SINK_BLOCK;
	return s->block + s->block_len;
}

/* Writes out the buffer up to p; returns where the line goes on. */
static __attribute__((noinline)) char *line_spill(struct line *l, char *p)
{
	if (l->sink) {
		l->sink->block_len = (size_t)(p - l->buf);
		sink_drain(l->sink);
	} else if (p > l->buf) {
		fwrite_unlocked(l->buf, 1, (size_t)(p - l->buf), l->f);
	}
	return l->buf;
}

/* Room for k more bytes at p (k no more than the buffer holds). */
static ALWAYS_INLINE char *line_room(struct line *l, char *p, size_t k)
{
	if (__builtin_expect((size_t)(l->end - p) < k, 0))
		p = line_spill(l, p);
	return p;
}

/* n is small: a name or a number, a few dozen bytes (see line_room()). */
static ALWAYS_INLINE char *put_mem(struct line *l, char *p, const char *s, size_t n)
{
	p = line_room(l, p, n);
	memcpy(p, s, n);
	return p + n;
}

#define put_lit(l, p, s) put_mem(l, p, s, sizeof(s) - 1)

static ALWAYS_INLINE char *put_str(struct line *l, char *p, const char *s)
{
	return put_mem(l, p, s, strlen(s));
}

static ALWAYS_INLINE char *put_ch(struct line *l, char *p, char c)
{
	p = line_room(l, p, 1);
	*p = c;
	return p + 1;
}

static ALWAYS_INLINE char *put_u64(struct line *l, char *p, uint64_t v)
{
	p = line_room(l, p, 20);
	return p + u64_write(p, v);
}

/* The emit_ helpers store without a check: they go in a run of pieces
 * that line_room() first made room for, PIECE_MAX bytes a piece. A piece
 * is a key with its value: ",\"cdw10\":" and 20 digits at most.
 */
#define PIECE_MAX	64

static ALWAYS_INLINE char *emit_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define emit_lit(p, s) emit_mem(p, s, sizeof(s) - 1)

static ALWAYS_INLINE char *emit_u64(char *p, uint64_t v)
{
	return p + u64_write(p, v);
}

static ALWAYS_INLINE char *emit_bool(char *p, bool v)
{
	return v ? emit_lit(p, "true") : emit_lit(p, "false");
}

/* The kernel's comm, or a capture file's disk name, may hold anything;
 * keep a table row one line. out holds max + 1 bytes.
 */
static size_t printable(char *out, const char *s, int max)
{
	int i;

	for (i = 0; i < max && s[i]; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return (size_t)i;
}

/* Whether any of the 8 bytes in x is outside '!'..'~' (exact: the
 * bit tricks of "Bit Twiddling Hacks", hasless and hasmore).
 */
static ALWAYS_INLINE bool word_unprintable(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;

	return ((x - ones * '!') & ~x & high) || (((x + ones) | x) & high);
}

/* printable() of a NUL-padded name of size bytes (16 or 32) into out
 * (size + 1 bytes), a word at a time: a word's lowest zero byte ends the
 * name (the bytes after it count as printable for the test, and are left
 * in out after the terminator, where the callers' padding goes), and no
 * loop over the bytes when they are all printable (nearly always). No
 * library call: strnlen(), memset() and memcpy() of a variable length
 * cost more than the rest of a row's column (callgrind). Returns the
 * length.
 */
static ALWAYS_INLINE size_t copy_printable(char *out, const char *s, size_t size)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, z, below;
	size_t i;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		return printable(out, s, (int)size);
	for (i = 0; i < size; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		/* The high bit of each zero byte, exact up to the first. */
		z = (w - ones) & ~w & high;
		if (z) {
			/* The bytes below the first zero kept, '!' above. */
			below = (z ^ (z - 1)) >> 8;
			w = (w & below) | (ones * '!' & ~below);
			if (word_unprintable(w))
				return printable(out, s, (int)size);
			memcpy(out + i, &w, sizeof(w));
			i += (size_t)__builtin_ctzll(z) / 8;
			out[i] = '\0';
			return i;
		}
		if (word_unprintable(w))
			return printable(out, s, (int)size);
		memcpy(out + i, &w, sizeof(w));
	}
	out[size] = '\0';
	return size;
}

/* The comm column: "%-16s" of printable(comm). Stores 16 bytes past the
 * name (a row has the room).
 */
static ALWAYS_INLINE char *comm_col(char *out, const char *comm)
{
	size_t n = copy_printable(out, comm, NVMETRACE_COMM_LEN);

	memcpy(out + n, "                ", 16);
	return out + NVMETRACE_COMM_LEN;
}

/* Opcodes mean different commands on admin and I/O queues. */
static enum nvme_qtype record_qtype(const struct nvmetrace_record *r)
{
	return r->flags & NVMETRACE_F_IOQ ? NVME_QTYPE_IO : NVME_QTYPE_ADMIN;
}

/* A failed command's status name and its CRD/More/DNR bits. */
static void format_status_name(char *buf, size_t len, const struct nvmetrace_record *r)
{
	struct nvme_status st;
	char name[96];

	nvme_status_decode((uint16_t)r->status, &st);
	nvme_status_name((uint16_t)r->status, r->sqe[0] == 0x7f, name, sizeof(name));
	snprintf(buf, len, "%s%s%s", name, st.dnr ? ", DNR" : "", st.more ? ", More" : "");
	if (st.crd)
		snprintf(buf + strlen(buf), len - strlen(buf), ", CRD=%u", st.crd);
}

/* "Identify cns=0x1 (Identify Controller) -> Invalid Field in Command, DNR" */
static size_t format_details(char *buf, size_t len, const struct nvmetrace_record *r,
			     const struct nvme_sqe *sqe)
{
	const char *name = nvme_opcode_name(record_qtype(r), sqe->opcode);
	struct nvme_fields fields;
	size_t n, m;

	/* A plain block read or write (most of -a's rows): straight in. */
	if (name && (n = strlen(name)) + 1 + NVME_RW_FIELDS_MAX < len &&
	    (m = nvme_rw_fields_format(sqe, record_qtype(r), buf + n + 1))) {
		memcpy(buf, name, n);
		buf[n] = ' ';
		n += 1 + m;
		goto status;
	}
	nvme_sqe_fields(sqe, record_qtype(r), &fields);
	if (name) {
		n = strlen(name);
		copy_out(buf, len, name, n);
	} else
		n = (size_t)snprintf(buf, len, "opcode %#x", sqe->opcode);
	if (fields.n && n + 1 < len) {
		buf[n++] = ' ';
		n += (size_t)nvme_fields_format(&fields, buf + n, len - n);
	}
status:
	if (n + 4 < len && (r->flags & NVMETRACE_F_COMPLETED) && r->status > 0) {
		n += (size_t)snprintf(buf + n, len - n, " -> ");
		if (n < len) {
			format_status_name(buf + n, len - n, r);
			n += strlen(buf + n);
		}
	}
	/* What is in buf: snprintf semantics counted what did not fit. */
	return n < len ? n : len - 1;
}

/* The STATUS column at out (room for 24 bytes); returns its length. */
static size_t format_status(char out[24], const struct nvmetrace_record *r)
{
	if (r->flags & NVMETRACE_F_INFLIGHT) {
		memcpy(out, "inflight", 8);
		return 8;
	}
	if (r->flags & NVMETRACE_F_REQUEUED) {
		memcpy(out, "requeued", 8);
		return 8;
	}
	if (r->status < 0) {
		snprintf(out, 24, "%s", errno_name(r->status));
		return strlen(out);
	}
	if (r->status == 0) {
		*out = '0';
		return 1;
	}
	/* "%#x" of a positive status: at most 0x and 8 digits. */
	memcpy(out, "0x", 2);
	return 2 + hex_write(out + 2, (unsigned)r->status);
}

/* The DEVICE column at out (room for 40 bytes); returns its length. */
/* "nvme%d" of a controller instance, without snprintf (a passthrough
 * storm's every row); at most 15 bytes.
 */
static size_t ctrl_name(char *out, int32_t ctrl)
{
	size_t n = 4;

	memcpy(out, "nvme", 4);
	if (ctrl < 0)
		out[n++] = '-';
	return n + u64_write(out + n, ctrl < 0 ? (uint64_t)-(int64_t)ctrl : (uint64_t)ctrl);
}

static size_t format_device(char out[40], const struct nvmetrace_record *r)
{
	if (r->disk[0])
		return copy_printable(out, r->disk, NVMETRACE_DISK_LEN);
	if (r->flags & NVMETRACE_F_CTRL)
		return ctrl_name(out, r->ctrl);
	*out = '?';
	return 1;
}

/* ---- table ---------------------------------------------------------------- */

/* The seeds' seven columns first, values in hex without 0x as they print
 * them; then STATUS and LAT(us); -a adds DEVICE and QID; DETAILS last.
 */
#define SEED_HDR "%-8s %-16s %-7s %-6s %-10s %-8s %-8s %-8s %10s"
#define SEED_ROW "%-8s %-16s %-7u %-6x %-10x %-8x %-8x %-8s %10s"

static void table_header(FILE *f, const struct output_ctx *ctx)
{
	fprintf(f, SEED_HDR, "TIME", "COMM", "PID", "OPCODE", "COMMAND-ID",
		"NSID", "CDW10", "STATUS", "LAT(us)");
	if (ctx->all)
		fprintf(f, " %-10s %-3s", "DEVICE", "QID");
	fputs(" DETAILS\n", f);
}

#define DETAILS_MAX	512
#define TABLE_ROW_MAX	1024

/* width - n spaces after n bytes at p, for width <= 16 (one store, no
 * call); returns the end of the column.
 */
static ALWAYS_INLINE char *pad_col(char *p, size_t n, size_t width)
{
	memset(p + n, ' ', 16);
	return p + (n < width ? width : n);
}

/* One row at row (TABLE_ROW_MAX bytes of room); returns its length. */
static size_t table_format(char *row, const struct nvmetrace_record *r,
			   const struct output_ctx *ctx)
{
	/* Every column's most (time 63, comm 16, five numbers, status 23,
	 * latency 31, device 32, DETAILS_MAX) and the stores past a
	 * column's end (pad_col, hex_write) fit in TABLE_ROW_MAX with room
	 * to spare.
	 */
	char lat[32], *p = row;
	struct nvme_sqe sqe;
	size_t n;

	/* SEED_ROW, then " %-10s %-3u" with -a, then " %s\n". */
	nvme_sqe_decode(r->sqe, &sqe);
	n = output_format_time(p, 64, r->ts_ns, ctx);
	p = pad_col(p, n, 8);
	*p++ = ' ';
	p = comm_col(p, r->comm);
	*p++ = ' ';
	p = pad_col(p, u64_write(p, r->pid), 7);
	*p++ = ' ';
	p = pad_col(p, hex_write(p, sqe.opcode), 6);
	*p++ = ' ';
	p = pad_col(p, hex_write(p, sqe.command_id), 10);
	*p++ = ' ';
	p = pad_col(p, hex_write(p, sqe.nsid), 8);
	*p++ = ' ';
	p = pad_col(p, hex_write(p, sqe.cdw10), 8);
	*p++ = ' ';
	p = pad_col(p, format_status(p, r), 8);
	*p++ = ' ';
	n = format_us(lat, r->latency_ns, true);
	if (n < 10) {	/* "%10s" */
		memset(p, ' ', 10 - n);
		p += 10 - n;
	}
	memcpy(p, lat, n);
	p += n;
	if (ctx->all) {
		*p++ = ' ';
		p = pad_col(p, format_device(p, r), 10);
		*p++ = ' ';
		p = pad_col(p, u64_write(p, r->qid), 3);
	}
	*p++ = ' ';
	p += format_details(p, DETAILS_MAX, r, &sqe);
	*p++ = '\n';
	return (size_t)(p - row);
}

static void table_record(FILE *f, const struct nvmetrace_record *r,
			 const struct output_ctx *ctx)
{
	char row[TABLE_ROW_MAX];

	fwrite_unlocked(row, 1, table_format(row, r, ctx), f);
}

static void table_put(struct sink *s, const struct nvmetrace_record *r)
{
	if (s->block_len + TABLE_ROW_MAX > SINK_BLOCK)
		sink_drain(s);
	s->block_len += table_format(s->block + s->block_len, r, &s->ctx);
}

const struct output output_table = {
	.header = table_header,
	.record = table_record,
	.put = table_put,
};

/* ---- JSON Lines (docs/json.md) ---------------------------------------------- */

/* Whether any byte of the word is one JSON escapes here: '"', '\\', a
 * control character, or 0x7f and above. Each test is the "has a byte
 * below N" word trick, exact for whether there is one; a carry out of a
 * byte happens only for 0xff, itself caught.
 */
static ALWAYS_INLINE bool word_needs_escape(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');

	return (((x - ones * 0x20) & ~x) |
		((quote - ones) & ~quote) |
		((bslash - ones) & ~bslash) |
		x | (x + ones)) & high;
}

static char *json_string(struct line *l, char *p, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n = strnlen(s, max);

	/* At most 6 bytes a character ("\u00XX"), and the quotes. */
	p = line_room(l, p, 6 * n + 2);
	*p++ = '"';
	/* Names are plain ASCII nearly always: eight bytes at a time until
	 * one needs escaping, then byte by byte.
	 */
	for (; i + 8 <= n; i += 8, p += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (word_needs_escape(x))
			break;
		memcpy(p, &x, 8);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* comm and disk names are bytes, not UTF-8: escape. */
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 0xf];
			p += 6;
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	return p;
}

/* ",\"key\":" ("key_name" with suffix "_name") */
static char *json_key(struct line *l, char *p, const char *key, const char *suffix)
{
	p = put_lit(l, p, ",\"");
	p = put_str(l, p, key);
	p = put_str(l, p, suffix);
	return put_lit(l, p, "\":");
}

/* ",\"key\":v" for a literal key, one piece: one copy for the key's text. */
#define emit_u64_key(p, key, v) emit_u64(emit_lit(p, ",\"" key "\":"), v)

/* "fields":{"cns":1,"cns_name":"Identify Controller","numd":128,"numd_bytes":512,"fua":true} */
static char *json_fields(struct line *l, char *p, const struct nvme_sqe *sqe,
			 enum nvme_qtype qtype)
{
	struct nvme_fields fs;
	int i;

	if (nvme_rw_plain(sqe, qtype)) {	/* most of -a's lines */
		p = put_lit(l, p, ",\"fields\":{\"slba\":");
		p = put_u64(l, p, (uint64_t)sqe->cdw11 << 32 | sqe->cdw10);
		p = put_lit(l, p, ",\"nlb\":");
		p = put_u64(l, p, nvme_rw_nlb(sqe));
		return put_ch(l, p, '}');
	}
	nvme_sqe_fields(sqe, qtype, &fs);
	p = put_lit(l, p, ",\"fields\":{");
	for (i = 0; i < fs.n; i++) {
		const struct nvme_field *fl = &fs.f[i];

		p = i ? put_lit(l, p, ",\"") : put_ch(l, p, '"');
		p = put_str(l, p, fl->key);
		p = put_lit(l, p, "\":");
		if (fl->kind == NVME_FIELD_FLAG)
			p = put_lit(l, p, "true");
		else
			p = put_u64(l, p, fl->value);
		if (fl->name) {
			p = json_key(l, p, fl->key, "_name");
			p = json_string(l, p, fl->name, 256);
		}
		if (fl->bytes >= 0) {
			p = json_key(l, p, fl->key, "_bytes");
			p = put_u64(l, p, (uint64_t)fl->bytes);
		}
	}
	return put_ch(l, p, '}');
}
static void json_header(FILE *f, const struct output_ctx *ctx)
{
	(void)f;
	(void)ctx;
}

/* nvme_status_name() goes through libnvme and snprintf; nearly every
 * record has the same status (0), so remember the last one.
 */
static const char *status_name(uint16_t status, bool fabrics)
{
	static struct {
		bool valid, fabrics;
		uint16_t status;
		char name[96];
	} last;

	if (!last.valid || last.status != status || last.fabrics != fabrics) {
		nvme_status_name(status, fabrics, last.name, sizeof(last.name));
		last.status = status;
		last.fabrics = fabrics;
		last.valid = true;
	}
	return last.name;
}

/* "null", or the name as a JSON string. */
static char *json_name(struct line *l, char *p, const char *name)
{
	return name ? json_string(l, p, name, 64) : put_lit(l, p, "null");
}

/* "true", "false", or "null" when the record has no such fact: a piece. */
static ALWAYS_INLINE char *emit_maybe(char *p, bool known, bool v)
{
	return known ? emit_bool(p, v) : emit_lit(p, "null");
}

/* The command: opcode, its names, the SQE's dwords and fields. */
static char *json_command(struct line *l, char *p, const struct nvmetrace_record *r,
			  const struct nvme_sqe *sqe)
{
	enum nvme_qtype qtype = record_qtype(r);
	bool ptrs = r->flags & NVMETRACE_F_PTRS;

	p = line_room(l, p, 2 * PIECE_MAX);
	p = emit_u64_key(p, "opcode", sqe->opcode);
	p = emit_lit(p, ",\"opcode_name\":");
	p = json_name(l, p, nvme_opcode_short(qtype, sqe->opcode));
	p = put_lit(l, p, ",\"opcode_desc\":");
	p = json_name(l, p, nvme_opcode_name(qtype, sqe->opcode));
	p = line_room(l, p, 15 * PIECE_MAX);
	if (qtype == NVME_QTYPE_IO)
		p = emit_lit(p, ",\"queue_type\":\"io\"");
	else
		p = emit_lit(p, ",\"queue_type\":\"admin\"");
	p = emit_u64_key(p, "flags", sqe->flags);
	p = emit_u64_key(p, "cid", sqe->command_id);
	p = emit_u64_key(p, "nsid", sqe->nsid);
	p = emit_u64_key(p, "cdw2", sqe->cdw2);
	p = emit_u64_key(p, "cdw3", sqe->cdw3);
	p = emit_u64_key(p, "cdw10", sqe->cdw10);
	p = emit_u64_key(p, "cdw11", sqe->cdw11);
	p = emit_u64_key(p, "cdw12", sqe->cdw12);
	p = emit_u64_key(p, "cdw13", sqe->cdw13);
	p = emit_u64_key(p, "cdw14", sqe->cdw14);
	p = emit_u64_key(p, "cdw15", sqe->cdw15);
	p = emit_maybe(emit_lit(p, ",\"metadata\":"), ptrs, sqe->mptr);
	p = emit_maybe(emit_lit(p, ",\"data\":"), ptrs, sqe->prp1);
	p = emit_bool(emit_lit(p, ",\"sqe_fault\":"), r->flags & NVMETRACE_F_SQE_FAULT);
	return json_fields(l, p, sqe, qtype);
}

/* The completion: status split and named, result, retries. */
static char *json_completion(struct line *l, char *p, const struct nvmetrace_record *r,
			     const struct nvme_sqe *sqe)
{
	struct nvme_status st;
	char tmp[64];

	p = put_lit(l, p, ",\"state\":\"completed\"");
	if (r->status < 0) {
		p = put_mem(l, p, tmp, (size_t)snprintf(tmp, sizeof(tmp),
			",\"status\":null,\"errno\":%lld,\"errno_name\":\"", -(long long)r->status));
		p = put_str(l, p, errno_name(r->status));
		p = put_ch(l, p, '"');
	} else {
		nvme_status_decode((uint16_t)r->status, &st);
		p = line_room(l, p, 7 * PIECE_MAX);
		p = emit_u64_key(p, "status", (uint64_t)r->status);
		p = emit_u64_key(p, "sct", st.sct);
		p = emit_u64_key(p, "sc", st.sc);
		p = emit_u64_key(p, "crd", st.crd);
		p = emit_bool(emit_lit(p, ",\"more\":"), st.more);
		p = emit_bool(emit_lit(p, ",\"dnr\":"), st.dnr);
		p = emit_lit(p, ",\"sct_name\":\"");
		p = put_str(l, p, nvme_sct_name(st.sct));
		p = put_lit(l, p, "\",\"status_name\":");
		p = json_string(l, p, status_name((uint16_t)r->status, sqe->opcode == 0x7f), 96);
	}
	if (r->source == NVMETRACE_SRC_REQUEST) {
		p = line_room(l, p, 2 * PIECE_MAX);
		p = emit_u64_key(p, "result", r->result);
		p = emit_u64_key(p, "retries", r->retries);
	}
	return p;
}

/* One record's line at p; returns its end. */
static char *json_line(struct line *l, char *p, const struct nvmetrace_record *r,
		       const struct output_ctx *ctx)
{
	struct nvme_sqe sqe;
	char ts[48], us[32];

	nvme_sqe_decode(r->sqe, &sqe);
	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	p = line_room(l, p, 3 * PIECE_MAX);
	p = emit_u64(emit_lit(p, "{\"ts_ns\":"), r->ts_ns);
	p = emit_lit(p, ",\"time\":");
	if (ctx->time_style == TIME_REL || ctx->time_style == TIME_NS)
		p = emit_mem(p, ts, strlen(ts));	/* a number, < 48 bytes */
	else
		p = json_string(l, p, ts, sizeof(ts));
	p = put_lit(l, p, ",\"comm\":");
	p = json_string(l, p, r->comm, NVMETRACE_COMM_LEN);
	p = line_room(l, p, 7 * PIECE_MAX);
	p = emit_u64_key(p, "pid", r->pid);
	p = emit_u64_key(p, "tid", r->tid);
	if (r->source == NVMETRACE_SRC_USER_CMD)
		p = emit_lit(p, ",\"source\":\"user_cmd\"");
	else
		p = emit_lit(p, ",\"source\":\"request\"");
	p = emit_bool(emit_lit(p, ",\"passthru\":"), r->flags & NVMETRACE_F_PASSTHRU);
	if (r->flags & NVMETRACE_F_CTRL) {
		p = emit_lit(p, ",\"ctrl\":\"");	/* "nvme" and an int: 15 bytes */
		p += ctrl_name(p, r->ctrl);
		*p++ = '"';
	} else {
		p = emit_lit(p, ",\"ctrl\":null");
	}
	p = emit_lit(p, ",\"disk\":");
	if (r->disk[0])
		p = json_string(l, p, r->disk, NVMETRACE_DISK_LEN);
	else
		p = emit_lit(p, "null");
	p = line_room(l, p, 3 * PIECE_MAX);
	if (r->flags & NVMETRACE_F_QID) {
		p = emit_u64_key(p, "qid", r->qid);
		p = emit_u64_key(p, "tag", r->tag);
		p = emit_u64_key(p, "data_len", r->data_len);
	} else {
		p = emit_lit(p, ",\"qid\":null,\"tag\":null,\"data_len\":null");
	}
	p = json_command(l, p, r, &sqe);
	if (r->flags & NVMETRACE_F_INFLIGHT) {
		p = put_lit(l, p, ",\"state\":\"inflight\",\"age_us\":");
	} else if (r->flags & NVMETRACE_F_REQUEUED) {
		p = put_lit(l, p, ",\"state\":\"requeued\",\"age_us\":");
	} else {
		p = json_completion(l, p, r, &sqe);
		p = put_lit(l, p, ",\"latency_us\":");
	}
	p = line_room(l, p, PIECE_MAX);
	p = emit_mem(p, us, format_us(us, r->latency_ns, false));	/* < 32 bytes */
	return emit_lit(p, "}\n");
}

static void json_record(FILE *f, const struct nvmetrace_record *r,
			const struct output_ctx *ctx)
{
	struct line l;

	line_init(&l, f);
	line_spill(&l, json_line(&l, l.buf, r, ctx));
}

static void json_put(struct sink *s, const struct nvmetrace_record *r)
{
	struct line l;
	char *p = line_init_sink(&l, s);

	s->block_len = (size_t)(json_line(&l, p, r, &s->ctx) - l.buf);
}

const struct output output_json = {
	.header = json_header,
	.record = json_record,
	.put = json_put,
};

/* ---- sinks ------------------------------------------------------------------- */

int sink_open(struct sink *s, bool all, int64_t mono_to_real_ns, uint64_t start_ns)
{
	struct capture_info info;

	memset(s, 0, sizeof(*s));
	s->out = env.json ? &output_json : &output_table;
	s->ctx.time_style = env.time_style;
	s->ctx.all = all;
	s->ctx.mono_to_real_ns = mono_to_real_ns;
	s->ctx.start_ns = start_ns;
	if (env.write_file) {
		capture_info_local(&info, all, mono_to_real_ns, start_ns);
		s->capture = capture_create(env.write_file, &info);
		if (!s->capture) {
			fprintf(stderr, "nvmetrace: failed to create capture %s: %s\n",
				env.write_file, strerror(errno));
			return -1;
		}
		return sink_flush(s);
	}
	s->out->header(stdout, &s->ctx);
	if (s->out->put) {
		s->block = malloc(SINK_BLOCK);
		if (!s->block) {
			fprintf(stderr, "nvmetrace: out of memory\n");
			return -1;
		}
	}
	return sink_flush(s);
}

/* The block's records to stdout: straight to its file descriptor, after
 * what stdio holds (the header), without a copy into stdio's buffer.
 */
static void sink_drain(struct sink *s)
{
	const char *p = s->block;
	size_t left = s->block_len;
	int fd = fileno(stdout);
	ssize_t n;

	s->block_len = 0;
	if (!left || s->error)
		return;
	if (fd < 0 || fflush(stdout)) {
		if (fwrite_unlocked(p, 1, left, stdout) != left)
			s->error = errno ? errno : EIO;
		return;
	}
	while (left) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->error = n < 0 ? errno : EIO;
			return;
		}
		p += n;
		left -= (size_t)n;
	}
}

void sink_record(struct sink *s, const struct nvmetrace_record *r)
{
	int err;

	if (s->block) {
		s->out->put(s, r);
		return;
	}
	if (!s->capture) {
		s->out->record(stdout, r, &s->ctx);
		return;
	}
	err = capture_write_record(s->capture, r);
	if (err && !s->error)
		s->error = -err;
}

int sink_flush(struct sink *s)
{
	FILE *f = s->capture ? s->capture : stdout;

	if (s->block)
		sink_drain(s);
	if (fflush(f) && !s->error)
		s->error = errno ? errno : EIO;
	if (s->error == -1)
		return -1;
	if (s->error) {
		fprintf(stderr, "nvmetrace: failed to write %s: %s\n",
			s->capture && strcmp(env.write_file, "-") ? env.write_file : "stdout",
			strerror(s->error));
		s->error = -1;	/* said once */
		return -1;
	}
	return 0;
}

void sink_close(struct sink *s)
{
	sink_flush(s);
	if (s->capture && s->capture != stdout)
		fclose(s->capture);
	s->capture = NULL;
	free(s->block);
	s->block = NULL;
}
