// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "capture.h"
#include "decode.h"
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

/* Digits of v, ending at end[20] / end[16]; returns where they start.
 * Decimal goes two digits a step: half the multiplications.
 */
static const char pairs[201] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* Digits from p backwards, two at a time; p is where the last one ends. */
static inline __attribute__((always_inline)) char *digits_back(char *p, uint64_t v)
{
	while (v >= 100) {
		p -= 2;
		memcpy(p, pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

/* How many decimal digits v has. */
static inline __attribute__((always_inline)) size_t u64_len(uint64_t v)
{
	size_t n = 1;

	for (uint64_t t = 10; v >= t; t *= 10)
		if (++n == 20)
			break;
	return n;
}

/* v in decimal at out, no terminator; returns the length. Written in
 * place: building the digits elsewhere and copying them cost a stalled
 * store-to-load forwarding per number.
 */
static inline __attribute__((always_inline)) size_t u64_write(char *out, uint64_t v)
{
	size_t n = u64_len(v);

	digits_back(out + n, v);
	return n;
}

/* v in hex (lower case, no prefix) at out; returns the length. */
static inline __attribute__((always_inline)) size_t hex_write(char *out, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = v ? (size_t)(67 - __builtin_clzll(v)) / 4 : 1;
	char *p = out + n;

	do
		*--p = hex[v & 0xf];
	while (v >>= 4);
	return n;
}

/* v's digits ending at end + 20; returns where they start. */
static char *u64_digits(char end[20], uint64_t v)
{
	return digits_back(end + 20, v);
}

static char *hex_digits(char end[16], uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char *p = end + 16;

	do
		*--p = hex[v & 0xf];
	while (v >>= 4);
	return p;
}

/* "%0*llu": v with at least width digits. Returns the length. */
static size_t put_u64_padded(char *out, uint64_t v, size_t width)
{
	char d[20], *p = u64_digits(d, v);
	size_t n = (size_t)(d + 20 - p), pad = n < width ? width - n : 0;

	memset(out, '0', pad);
	memcpy(out + pad, p, n);
	return pad + n;
}

/* "%.<decimals>f" of ns / unit_ns, where step_ns = unit_ns / 10^decimals:
 * rounded to nearest in integers. Returns 0 where that could differ from
 * printf (an exact tie, which printf rounds on the binary value; or a
 * count too large).
 */
static size_t put_fixed(char *out, uint64_t ns, uint64_t unit_ns, uint64_t step_ns,
			size_t decimals)
{
	uint64_t steps = ns / step_ns, rem = ns % step_ns, per_unit = unit_ns / step_ns;
	size_t n;

	if (ns >= EXACT_NS_LIMIT || (step_ns > 1 && rem * 2 == step_ns))
		return 0;
	if (rem * 2 > step_ns)
		steps++;
	n = put_u64_padded(out, steps / per_unit, 1);
	out[n++] = '.';
	return n + put_u64_padded(out + n, steps % per_unit, decimals);
}

/* "%.1f" (tenths) or "%.3f" of ns / 1000.0: microseconds. */
static size_t format_us(char out[32], uint64_t ns, bool tenths)
{
	size_t n = tenths ? put_fixed(out, ns, 1000, 100, 1) : put_fixed(out, ns, 1000, 1, 3);

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
		n += put_u64_padded(out + n, (uint64_t)(real % 1000000000LL) / 1000, 6);
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
		return put_u64_padded(out, ts_ns, 1);
	}
	return 0;
}

void output_format_time(char *buf, size_t len, uint64_t ts_ns,
			const struct output_ctx *ctx)
{
	char tmp[64];
	size_t n = format_time_fast(tmp, ts_ns, ctx);

	if (n)
		copy_out(buf, len, tmp, n);
	else
		format_time_slow(buf, len, ts_ns, ctx);
}

/* A record's line is built here and handed to stdio in one fwrite. The
 * put_ helpers are inline: most copy a few bytes of known length, which
 * the compiler then does without a call.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

struct line {
	FILE *f;
	size_t n;
	char buf[4096];
};

static void line_init(struct line *l, FILE *f)
{
	l->f = f;	/* buf is not cleared: 4 KiB a record is not free */
	l->n = 0;
}

static void line_flush(struct line *l)
{
	if (l->n)
		fwrite_unlocked(l->buf, 1, l->n, l->f);
	l->n = 0;
}

/* Room for k more bytes (k <= sizeof(buf)); returns where they go. */
static ALWAYS_INLINE char *line_room(struct line *l, size_t k)
{
	if (l->n + k > sizeof(l->buf))
		line_flush(l);
	return l->buf + l->n;
}

static ALWAYS_INLINE void put_mem(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf)) {
		line_flush(l);
		fwrite(s, 1, n, l->f);
		return;
	}
	memcpy(line_room(l, n), s, n);
	l->n += n;
}

#define put_lit(l, s) put_mem(l, s, sizeof(s) - 1)

static ALWAYS_INLINE void put_str(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static ALWAYS_INLINE void put_ch(struct line *l, char c)
{
	*line_room(l, 1) = c;
	l->n++;
}

static ALWAYS_INLINE void put_u64(struct line *l, uint64_t v)
{
	l->n += u64_write(line_room(l, 20), v);
}

static ALWAYS_INLINE void put_bool(struct line *l, bool v)
{
	if (v)
		put_lit(l, "true");
	else
		put_lit(l, "false");
}

/* "%-*s": s, then spaces up to width. */
static ALWAYS_INLINE void put_col(struct line *l, const char *s, size_t n, size_t width)
{
	put_mem(l, s, n);
	if (n < width) {
		memset(line_room(l, width - n), ' ', width - n);
		l->n += width - n;
	}
}

/* "%-*u" and "%-*x" for widths up to 16: the digits in place, then a
 * fixed 16 spaces (no call); only up to the width is kept.
 */
static ALWAYS_INLINE void put_col_u64(struct line *l, uint64_t v, size_t width)
{
	char *out = line_room(l, 20 + 16);
	size_t n = u64_write(out, v);

	memset(out + n, ' ', 16);
	l->n += n < width ? width : n;
}

static ALWAYS_INLINE void put_col_hex(struct line *l, uint64_t v, size_t width)
{
	char *out = line_room(l, 16 + 16);
	size_t n = hex_write(out, v);

	memset(out + n, ' ', 16);
	l->n += n < width ? width : n;
}

/* The kernel's comm, or a capture file's disk name, may hold anything;
 * keep a table row one line. out holds max + 1 bytes.
 */
static void printable(char *out, const char *s, int max)
{
	int i;

	for (i = 0; i < max && s[i]; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
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
static void format_details(char *buf, size_t len, const struct nvmetrace_record *r,
			   const struct nvme_sqe *sqe)
{
	const char *name = nvme_opcode_name(record_qtype(r), sqe->opcode);
	struct nvme_fields fields;
	size_t n;

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
	if (n + 4 < len && (r->flags & NVMETRACE_F_COMPLETED) && r->status > 0) {
		n += (size_t)snprintf(buf + n, len - n, " -> ");
		if (n < len)
			format_status_name(buf + n, len - n, r);
	}
}

/* "%#x" of a non-zero value. */
static void format_hex(char *buf, size_t len, uint64_t v)
{
	char d[18], *p = hex_digits(d + 2, v);

	*--p = 'x';
	*--p = '0';
	copy_out(buf, len, p, (size_t)(d + 18 - p));
}

static void format_status(char *buf, size_t len, const struct nvmetrace_record *r)
{
	if (r->flags & NVMETRACE_F_INFLIGHT)
		snprintf(buf, len, "inflight");
	else if (r->flags & NVMETRACE_F_REQUEUED)
		snprintf(buf, len, "requeued");
	else if (r->status < 0)
		snprintf(buf, len, "%s", errno_name(r->status));
	else if (r->status == 0)
		copy_out(buf, len, "0", 1);
	else
		format_hex(buf, len, (unsigned)r->status);
}

static void format_device(char *buf, size_t len, const struct nvmetrace_record *r)
{
	if (r->disk[0])
		printable(buf, r->disk, len > NVMETRACE_DISK_LEN ? NVMETRACE_DISK_LEN : (int)len - 1);
	else if (r->flags & NVMETRACE_F_CTRL)
		snprintf(buf, len, "nvme%d", r->ctrl);
	else
		snprintf(buf, len, "?");
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

static void table_record(FILE *f, const struct nvmetrace_record *r,
			 const struct output_ctx *ctx)
{
	char comm[NVMETRACE_COMM_LEN + 1], ts[48], status[24], lat[32], dev[40];
	char *details;
	struct nvme_sqe sqe;
	struct line l;
	size_t n;

	/* SEED_ROW, then " %-10s %-3u" with -a, then " %s\n". */
	line_init(&l, f);
	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	printable(comm, r->comm, NVMETRACE_COMM_LEN);
	nvme_sqe_decode(r->sqe, &sqe);
	format_status(status, sizeof(status), r);
	put_col(&l, ts, strlen(ts), 8);
	put_ch(&l, ' ');
	put_col(&l, comm, strlen(comm), 16);
	put_ch(&l, ' ');
	put_col_u64(&l, r->pid, 7);
	put_ch(&l, ' ');
	put_col_hex(&l, sqe.opcode, 6);
	put_ch(&l, ' ');
	put_col_hex(&l, sqe.command_id, 10);
	put_ch(&l, ' ');
	put_col_hex(&l, sqe.nsid, 8);
	put_ch(&l, ' ');
	put_col_hex(&l, sqe.cdw10, 8);
	put_ch(&l, ' ');
	put_col(&l, status, strlen(status), 8);
	put_ch(&l, ' ');
	n = format_us(lat, r->latency_ns, true);
	if (n < 10)	/* "%10s" */
		put_col(&l, "", 0, 10 - n);
	put_mem(&l, lat, n);
	if (ctx->all) {
		format_device(dev, sizeof(dev), r);
		put_ch(&l, ' ');
		put_col(&l, dev, strlen(dev), 10);
		put_ch(&l, ' ');
		put_col_u64(&l, r->qid, 3);
	}
	/* DETAILS formatted in place (up to 511 bytes), not copied. */
	put_ch(&l, ' ');
	details = line_room(&l, DETAILS_MAX);
	format_details(details, DETAILS_MAX, r, &sqe);
	l.n += strnlen(details, DETAILS_MAX - 1);
	put_ch(&l, '\n');
	line_flush(&l);
}

const struct output output_table = {
	.header = table_header,
	.record = table_record,
};

/* ---- JSON Lines (docs/json.md) ---------------------------------------------- */

static void json_string(struct line *l, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = strnlen(s, max);
	/* At most 6 bytes a character ("\u00XX"), and the quotes. */
	char *out = line_room(l, 6 * n + 2), *p = out;

	*p++ = '"';
	for (i = 0; i < n; i++) {
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
	l->n += (size_t)(p - out);
}

/* ",\"key\":" ("key_name" with suffix "_name") */
static ALWAYS_INLINE void json_key(struct line *l, const char *key, const char *suffix)
{
	put_lit(l, ",\"");
	put_str(l, key);
	put_str(l, suffix);
	put_lit(l, "\":");
}

static ALWAYS_INLINE void json_u64(struct line *l, const char *key, uint64_t v)
{
	json_key(l, key, "");
	put_u64(l, v);
}

/* "fields":{"cns":1,"cns_name":"Identify Controller","numd":128,"numd_bytes":512,"fua":true} */
static void json_fields(struct line *l, const struct nvme_sqe *sqe, enum nvme_qtype qtype)
{
	struct nvme_fields fs;
	int i;

	nvme_sqe_fields(sqe, qtype, &fs);
	put_lit(l, ",\"fields\":{");
	for (i = 0; i < fs.n; i++) {
		const struct nvme_field *fl = &fs.f[i];

		if (i)
			put_ch(l, ',');
		put_ch(l, '"');
		put_str(l, fl->key);
		put_lit(l, "\":");
		if (fl->kind == NVME_FIELD_FLAG)
			put_lit(l, "true");
		else
			put_u64(l, fl->value);
		if (fl->name) {
			json_key(l, fl->key, "_name");
			json_string(l, fl->name, 256);
		}
		if (fl->bytes >= 0) {
			json_key(l, fl->key, "_bytes");
			put_u64(l, (uint64_t)fl->bytes);
		}
	}
	put_ch(l, '}');
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
static void json_name(struct line *l, const char *name)
{
	if (name)
		json_string(l, name, 64);
	else
		put_lit(l, "null");
}

/* The command: opcode, its names, the SQE's dwords and fields. */
static void json_command(struct line *l, const struct nvmetrace_record *r,
			 const struct nvme_sqe *sqe)
{
	enum nvme_qtype qtype = record_qtype(r);

	json_u64(l, "opcode", sqe->opcode);
	put_lit(l, ",\"opcode_name\":");
	json_name(l, nvme_opcode_short(qtype, sqe->opcode));
	put_lit(l, ",\"opcode_desc\":");
	json_name(l, nvme_opcode_name(qtype, sqe->opcode));
	if (qtype == NVME_QTYPE_IO)
		put_lit(l, ",\"queue_type\":\"io\"");
	else
		put_lit(l, ",\"queue_type\":\"admin\"");
	json_u64(l, "flags", sqe->flags);
	json_u64(l, "cid", sqe->command_id);
	json_u64(l, "nsid", sqe->nsid);
	json_u64(l, "cdw2", sqe->cdw2);
	json_u64(l, "cdw3", sqe->cdw3);
	json_u64(l, "cdw10", sqe->cdw10);
	json_u64(l, "cdw11", sqe->cdw11);
	json_u64(l, "cdw12", sqe->cdw12);
	json_u64(l, "cdw13", sqe->cdw13);
	json_u64(l, "cdw14", sqe->cdw14);
	json_u64(l, "cdw15", sqe->cdw15);
	put_lit(l, ",\"metadata\":");
	if (r->flags & NVMETRACE_F_PTRS)
		put_bool(l, sqe->mptr);
	else
		put_lit(l, "null");
	put_lit(l, ",\"data\":");
	if (r->flags & NVMETRACE_F_PTRS)
		put_bool(l, sqe->prp1);
	else
		put_lit(l, "null");
	put_lit(l, ",\"sqe_fault\":");
	put_bool(l, r->flags & NVMETRACE_F_SQE_FAULT);
	json_fields(l, sqe, qtype);
}

/* The completion: status split and named, result, retries. */
static void json_completion(struct line *l, const struct nvmetrace_record *r,
			    const struct nvme_sqe *sqe)
{
	struct nvme_status st;
	char tmp[64];

	put_lit(l, ",\"state\":\"completed\"");
	if (r->status < 0) {
		put_mem(l, tmp, (size_t)snprintf(tmp, sizeof(tmp),
			",\"status\":null,\"errno\":%lld,\"errno_name\":\"", -(long long)r->status));
		put_str(l, errno_name(r->status));
		put_ch(l, '"');
	} else {
		nvme_status_decode((uint16_t)r->status, &st);
		json_u64(l, "status", (uint64_t)r->status);
		json_u64(l, "sct", st.sct);
		json_u64(l, "sc", st.sc);
		json_u64(l, "crd", st.crd);
		put_lit(l, ",\"more\":");
		put_bool(l, st.more);
		put_lit(l, ",\"dnr\":");
		put_bool(l, st.dnr);
		put_lit(l, ",\"sct_name\":\"");
		put_str(l, nvme_sct_name(st.sct));
		put_lit(l, "\",\"status_name\":");
		json_string(l, status_name((uint16_t)r->status, sqe->opcode == 0x7f), 96);
	}
	if (r->source == NVMETRACE_SRC_REQUEST) {
		json_u64(l, "result", r->result);
		json_u64(l, "retries", r->retries);
	}
}

static void json_record(FILE *f, const struct nvmetrace_record *r,
			const struct output_ctx *ctx)
{
	struct nvme_sqe sqe;
	char ts[48], us[32];
	struct line l;

	line_init(&l, f);
	nvme_sqe_decode(r->sqe, &sqe);
	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	put_lit(&l, "{\"ts_ns\":");
	put_u64(&l, r->ts_ns);
	put_lit(&l, ",\"time\":");
	if (ctx->time_style == TIME_REL || ctx->time_style == TIME_NS)
		put_str(&l, ts);
	else
		json_string(&l, ts, sizeof(ts));
	put_lit(&l, ",\"comm\":");
	json_string(&l, r->comm, NVMETRACE_COMM_LEN);
	json_u64(&l, "pid", r->pid);
	json_u64(&l, "tid", r->tid);
	if (r->source == NVMETRACE_SRC_USER_CMD)
		put_lit(&l, ",\"source\":\"user_cmd\"");
	else
		put_lit(&l, ",\"source\":\"request\"");
	put_lit(&l, ",\"passthru\":");
	put_bool(&l, r->flags & NVMETRACE_F_PASSTHRU);
	if (r->flags & NVMETRACE_F_CTRL) {
		put_lit(&l, ",\"ctrl\":\"nvme");
		if (r->ctrl < 0) {
			put_ch(&l, '-');
			put_u64(&l, -(int64_t)r->ctrl);
		} else {
			put_u64(&l, (uint64_t)r->ctrl);
		}
		put_ch(&l, '"');
	} else {
		put_lit(&l, ",\"ctrl\":null");
	}
	put_lit(&l, ",\"disk\":");
	if (r->disk[0])
		json_string(&l, r->disk, NVMETRACE_DISK_LEN);
	else
		put_lit(&l, "null");
	if (r->flags & NVMETRACE_F_QID) {
		json_u64(&l, "qid", r->qid);
		json_u64(&l, "tag", r->tag);
		json_u64(&l, "data_len", r->data_len);
	} else {
		put_lit(&l, ",\"qid\":null,\"tag\":null,\"data_len\":null");
	}
	json_command(&l, r, &sqe);
	if (r->flags & NVMETRACE_F_INFLIGHT) {
		put_lit(&l, ",\"state\":\"inflight\",\"age_us\":");
	} else if (r->flags & NVMETRACE_F_REQUEUED) {
		put_lit(&l, ",\"state\":\"requeued\",\"age_us\":");
	} else {
		json_completion(&l, r, &sqe);
		put_lit(&l, ",\"latency_us\":");
	}
	put_mem(&l, us, format_us(us, r->latency_ns, false));
	put_lit(&l, "}\n");
	line_flush(&l);
}

const struct output output_json = {
	.header = json_header,
	.record = json_record,
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
	return sink_flush(s);
}

void sink_record(struct sink *s, const struct nvmetrace_record *r)
{
	int err;

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
}
