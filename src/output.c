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

void output_format_time(char *buf, size_t len, uint64_t ts_ns,
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
	if (name)
		n = (size_t)snprintf(buf, len, "%s", name);
	else
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

static void format_status(char *buf, size_t len, const struct nvmetrace_record *r)
{
	if (r->flags & NVMETRACE_F_INFLIGHT)
		snprintf(buf, len, "inflight");
	else if (r->status < 0)
		snprintf(buf, len, "%s", errno_name(r->status));
	else if (r->status == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%#x", (unsigned)r->status);
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

static void table_record(FILE *f, const struct nvmetrace_record *r,
			 const struct output_ctx *ctx)
{
	char comm[NVMETRACE_COMM_LEN + 1], ts[48], status[24], lat[24], dev[40];
	char details[512];
	struct nvme_sqe sqe;

	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	printable(comm, r->comm, NVMETRACE_COMM_LEN);
	nvme_sqe_decode(r->sqe, &sqe);
	format_status(status, sizeof(status), r);
	snprintf(lat, sizeof(lat), "%.1f", r->latency_ns / 1000.0);
	fprintf(f, SEED_ROW, ts, comm, r->pid, sqe.opcode, sqe.command_id,
		sqe.nsid, sqe.cdw10, status, lat);
	if (ctx->all) {
		format_device(dev, sizeof(dev), r);
		fprintf(f, " %-10s %-3u", dev, r->qid);
	}
	format_details(details, sizeof(details), r, &sqe);
	fprintf(f, " %s\n", details);
}

const struct output output_table = {
	.header = table_header,
	.record = table_record,
};

/* ---- JSON Lines (docs/json.md) ---------------------------------------------- */

static void json_string(FILE *f, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	fputc('"', f);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c < 0x20 || c >= 0x7f) {
			/* comm and disk names are bytes, not UTF-8: escape. */
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

/* "fields":{"cns":1,"cns_name":"Identify Controller","numd":128,"numd_bytes":512,"fua":true} */
static void json_fields(FILE *f, const struct nvme_sqe *sqe, enum nvme_qtype qtype)
{
	struct nvme_fields fs;
	int i;

	nvme_sqe_fields(sqe, qtype, &fs);
	fputs(",\"fields\":{", f);
	for (i = 0; i < fs.n; i++) {
		const struct nvme_field *fl = &fs.f[i];

		if (fl->kind == NVME_FIELD_FLAG)
			fprintf(f, "%s\"%s\":true", i ? "," : "", fl->key);
		else
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", fl->key, fl->value);
		if (fl->name) {
			fprintf(f, ",\"%s_name\":", fl->key);
			json_string(f, fl->name, 256);
		}
		if (fl->bytes >= 0)
			fprintf(f, ",\"%s_bytes\":%" PRId64, fl->key, fl->bytes);
	}
	fputc('}', f);
}

static void json_header(FILE *f, const struct output_ctx *ctx)
{
	(void)f;
	(void)ctx;
}

static void json_record(FILE *f, const struct nvmetrace_record *r,
			const struct output_ctx *ctx)
{
	enum nvme_qtype qtype = record_qtype(r);
	const char *opname;
	struct nvme_status st;
	char name[96];
	struct nvme_sqe sqe;
	char ts[48];

	nvme_sqe_decode(r->sqe, &sqe);
	output_format_time(ts, sizeof(ts), r->ts_ns, ctx);
	fprintf(f, "{\"ts_ns\":%" PRIu64 ",\"time\":", (uint64_t)r->ts_ns);
	if (ctx->time_style == TIME_REL || ctx->time_style == TIME_NS)
		fputs(ts, f);
	else
		json_string(f, ts, sizeof(ts));
	fputs(",\"comm\":", f);
	json_string(f, r->comm, NVMETRACE_COMM_LEN);
	fprintf(f, ",\"pid\":%u,\"tid\":%u,\"source\":\"%s\",\"passthru\":%s",
		r->pid, r->tid,
		r->source == NVMETRACE_SRC_USER_CMD ? "user_cmd" : "request",
		r->flags & NVMETRACE_F_PASSTHRU ? "true" : "false");
	if (r->flags & NVMETRACE_F_CTRL)
		fprintf(f, ",\"ctrl\":\"nvme%d\"", r->ctrl);
	else
		fputs(",\"ctrl\":null", f);
	fputs(",\"disk\":", f);
	if (r->disk[0])
		json_string(f, r->disk, NVMETRACE_DISK_LEN);
	else
		fputs("null", f);
	if (r->flags & NVMETRACE_F_QID)
		fprintf(f, ",\"qid\":%u,\"tag\":%u,\"data_len\":%u", r->qid, r->tag, r->data_len);
	else
		fputs(",\"qid\":null,\"tag\":null,\"data_len\":null", f);
	fprintf(f, ",\"opcode\":%u,\"opcode_name\":", sqe.opcode);
	opname = nvme_opcode_short(qtype, sqe.opcode);
	if (opname)
		json_string(f, opname, 64);
	else
		fputs("null", f);
	fputs(",\"opcode_desc\":", f);
	opname = nvme_opcode_name(qtype, sqe.opcode);
	if (opname)
		json_string(f, opname, 64);
	else
		fputs("null", f);
	fprintf(f, ",\"queue_type\":\"%s\"", qtype == NVME_QTYPE_IO ? "io" : "admin");
	fprintf(f, ",\"flags\":%u,\"cid\":%u,\"nsid\":%u,\"cdw2\":%u,\"cdw3\":%u"
		",\"cdw10\":%u,\"cdw11\":%u,\"cdw12\":%u,\"cdw13\":%u,\"cdw14\":%u,\"cdw15\":%u"
		",\"metadata\":%s,\"data\":%s,\"sqe_fault\":%s",
		sqe.flags, sqe.command_id, sqe.nsid, sqe.cdw2, sqe.cdw3,
		sqe.cdw10, sqe.cdw11, sqe.cdw12, sqe.cdw13, sqe.cdw14, sqe.cdw15,
		!(r->flags & NVMETRACE_F_PTRS) ? "null" : sqe.mptr ? "true" : "false",
		!(r->flags & NVMETRACE_F_PTRS) ? "null" : sqe.prp1 ? "true" : "false",
		r->flags & NVMETRACE_F_SQE_FAULT ? "true" : "false");
	json_fields(f, &sqe, qtype);
	if (r->flags & NVMETRACE_F_INFLIGHT) {
		fprintf(f, ",\"state\":\"inflight\",\"age_us\":%.3f}\n", r->latency_ns / 1000.0);
		return;
	}
	fputs(",\"state\":\"completed\"", f);
	if (r->status < 0) {
		fprintf(f, ",\"status\":null,\"errno\":%lld,\"errno_name\":\"%s\"",
			-(long long)r->status, errno_name(r->status));
	} else {
		nvme_status_decode((uint16_t)r->status, &st);
		nvme_status_name((uint16_t)r->status, sqe.opcode == 0x7f, name, sizeof(name));
		fprintf(f, ",\"status\":%d,\"sct\":%u,\"sc\":%u,\"crd\":%u,\"more\":%s,\"dnr\":%s"
			",\"sct_name\":\"%s\",\"status_name\":",
			r->status, st.sct, st.sc, st.crd, st.more ? "true" : "false",
			st.dnr ? "true" : "false", nvme_sct_name(st.sct));
		json_string(f, name, sizeof(name));
	}
	if (r->source == NVMETRACE_SRC_REQUEST)
		fprintf(f, ",\"result\":%" PRIu64 ",\"retries\":%u", (uint64_t)r->result, r->retries);
	fprintf(f, ",\"latency_us\":%.3f}\n", r->latency_ns / 1000.0);
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
