// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"
#include "report.h"

int report_parse_by(const char *s)
{
	static const struct {
		const char *name;
		int bit;
	} dims[] = {
		{ "disk", HIST_BY_DISK }, { "device", HIST_BY_DISK },
		{ "ctrl", HIST_BY_CTRL }, { "controller", HIST_BY_CTRL },
		{ "qid", HIST_BY_QID }, { "queue", HIST_BY_QID },
		{ "opcode", HIST_BY_OPCODE }, { "status", HIST_BY_STATUS },
		{ "comm", HIST_BY_COMM }, { "process", HIST_BY_COMM },
	};
	char buf[128], *tok, *save = NULL;
	int by = 0;
	size_t i;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	if (!strcmp(s, "none"))
		return 0;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
			if (!strcmp(tok, dims[i].name))
				break;
		if (i == sizeof(dims) / sizeof(dims[0]))
			return -1;
		by |= dims[i].bit;
	}
	return by ? by : -1;
}

static int key_cmp(const struct hist_key *a, const struct hist_key *b)
{
	int c;

	if ((c = strncmp(a->disk, b->disk, sizeof(a->disk))))
		return c;
	if (a->ctrl != b->ctrl)
		return a->ctrl < b->ctrl ? -1 : 1;
	if (a->qid != b->qid)
		return a->qid < b->qid ? -1 : 1;
	if (a->ioq != b->ioq)
		return a->ioq < b->ioq ? -1 : 1;
	if (a->opcode != b->opcode)
		return a->opcode < b->opcode ? -1 : 1;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strncmp(a->comm, b->comm, sizeof(a->comm));
}

static struct report_group *find_or_add(struct report *rep, const struct hist_key *key)
{
	struct report_group *g;
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!key_cmp(&rep->groups[i].key, key))
			return &rep->groups[i];
	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;

		g = realloc(rep->groups, cap * sizeof(*g));
		if (!g)
			return NULL;
		rep->groups = g;
		rep->cap = cap;
	}
	g = &rep->groups[rep->n++];
	memset(g, 0, sizeof(*g));
	g->key = *key;
	return g;
}

void report_merge(struct report *rep, const struct hist_key *key, const struct hist_val *val)
{
	struct report_group *g = find_or_add(rep, key);
	size_t s;

	if (!g || !val->count)
		return;
	if (!g->val.count || (val->min_ns && val->min_ns < g->val.min_ns))
		g->val.min_ns = val->min_ns;
	if (val->max_ns > g->val.max_ns)
		g->val.max_ns = val->max_ns;
	g->val.count += val->count;
	g->val.sum_ns += val->sum_ns;
	g->val.bytes += val->bytes;
	g->val.errors += val->errors;
	for (s = 0; s < HIST_SLOTS; s++)
		g->val.slots[s] += val->slots[s];
}

/* One record into its group, in place: the same sums as merging a
 * hist_val of count 1, without building one (4.7 KiB zeroed, then every
 * slot added, for each record replayed into -H or -S).
 */
void report_add_record(struct report *rep, const struct nvmetrace_record *r)
{
	struct report_group *g;
	struct hist_key key;
	__u64 lat = r->latency_ns;

	if (!(r->flags & NVMETRACE_F_COMPLETED))
		return;
	hist_key_init(&key, r, rep->by);
	g = find_or_add(rep, &key);
	if (!g)
		return;
	if (!g->val.count || (lat && lat < g->val.min_ns))
		g->val.min_ns = lat;
	if (lat > g->val.max_ns)
		g->val.max_ns = lat;
	g->val.count++;
	g->val.sum_ns += lat;
	g->val.bytes += r->data_len;
	g->val.errors += r->status != 0;
	g->val.slots[hist_slot(lat)]++;
}

void report_clear(struct report *rep)
{
	rep->n = 0;
}

void report_free(struct report *rep)
{
	free(rep->groups);
	rep->groups = NULL;
	rep->n = rep->cap = 0;
}

uint64_t report_quantile(const struct hist_val *v, double q)
{
	uint64_t want, cum = 0, mid;
	uint32_t s;

	if (!v->count)
		return 0;
	want = (uint64_t)(q * (double)v->count + 0.999999);
	if (want < 1)
		want = 1;
	for (s = 0; s < HIST_SLOTS; s++) {
		cum += v->slots[s];
		if (cum >= want)
			break;
	}
	if (s == HIST_SLOTS)
		s = HIST_SLOTS - 1;
	mid = hist_slot_low(s) + hist_slot_width(s) / 2;
	if (mid < v->min_ns)
		mid = v->min_ns;
	if (v->max_ns && mid > v->max_ns)
		mid = v->max_ns;
	return mid;
}

static int group_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct report_group *)a)->key, &((const struct report_group *)b)->key);
}

/* "nvme0n1", "nvme0", or "?" */
static void key_device(const struct hist_key *k, char *buf, size_t len)
{
	if (k->disk[0])
		snprintf(buf, len, "%.32s", k->disk);
	else if (k->ctrl >= 0)
		snprintf(buf, len, "nvme%d", k->ctrl);
	else
		snprintf(buf, len, "?");
}

static const char *key_opcode(const struct hist_key *k, char *buf, size_t len)
{
	const char *n = nvme_opcode_short(k->ioq ? NVME_QTYPE_IO : NVME_QTYPE_ADMIN, k->opcode);

	if (n)
		return n;
	snprintf(buf, len, "%#x", k->opcode);
	return buf;
}

/* "disk=nvme0n1 opcode=read" for the dimensions of the key. */
static void key_label(const struct hist_key *k, char *buf, size_t len)
{
	char dev[40], op[8], status[96];
	size_t n = 0;

	buf[0] = '\0';
	if (k->by & HIST_BY_DISK) {
		key_device(k, dev, sizeof(dev));
		n += snprintf(buf + n, len - n, "device=%s ", dev);
	}
	if ((k->by & HIST_BY_CTRL) && n < len)
		n += snprintf(buf + n, len - n, k->ctrl >= 0 ? "ctrl=nvme%d " : "ctrl=? ", k->ctrl);
	if ((k->by & HIST_BY_QID) && n < len)
		n += snprintf(buf + n, len - n, "qid=%u ", k->qid);
	if ((k->by & HIST_BY_OPCODE) && n < len)
		n += snprintf(buf + n, len - n, "opcode=%s ", key_opcode(k, op, sizeof(op)));
	if ((k->by & HIST_BY_STATUS) && n < len) {
		nvme_status_name(k->status, false, status, sizeof(status));
		n += snprintf(buf + n, len - n, "status=%#x (%s) ", k->status, status);
	}
	if ((k->by & HIST_BY_COMM) && n < len)
		n += snprintf(buf + n, len - n, "comm=%.16s pid=%u ", k->comm, k->pid);
	if (n && n <= len)
		buf[n - 1] = '\0';
	if (!buf[0])
		snprintf(buf, len, "all commands");
	/* Process names are bytes: keep the label printable and JSON-safe. */
	for (n = 0; buf[n]; n++)
		if (buf[n] < ' ' || buf[n] == '"' || buf[n] == '\\' || buf[n] == 0x7f)
			buf[n] = '?';
}

static void print_bars(FILE *f, const struct hist_val *v)
{
	unsigned long long us[64] = {}, max = 0;
	int b, lo = 64, hi = -1, stars;
	uint32_t s;

	/* Fine slots into log2 microsecond buckets, by slot midpoint. */
	for (s = 0; s < HIST_SLOTS; s++) {
		uint64_t mid_us;

		if (!v->slots[s])
			continue;
		mid_us = (hist_slot_low(s) + hist_slot_width(s) / 2) / 1000;
		b = mid_us ? hist_log2(mid_us) + 1 : 0;
		us[b] += v->slots[s];
		if (b < lo)
			lo = b;
		if (b > hi)
			hi = b;
	}
	for (b = lo; b <= hi; b++)
		if (us[b] > max)
			max = us[b];
	fprintf(f, "%20s : %-8s %s\n", "usecs", "count", "distribution");
	for (b = lo; b <= hi; b++) {
		unsigned long long from = b ? 1ull << (b - 1) : 0, to = b ? (1ull << b) - 1 : 0;
		char range[32];

		snprintf(range, sizeof(range), "%llu -> %llu", from, to);
		stars = max ? (int)(us[b] * 40 / max) : 0;
		fprintf(f, "%20s : %-8llu |%-40.*s|\n", range, us[b], stars,
			"****************************************");
	}
}

/* The start of a JSON object: "{" or "{"time":"HH:MM:SS","". */
static void json_open(FILE *f, const char *time)
{
	if (time)
		fprintf(f, "{\"time\":\"%s\",", time);
	else
		fputc('{', f);
}

void report_print_hist(FILE *f, struct report *rep, bool json, const char *time)
{
	char label[256];
	size_t i;

	qsort(rep->groups, rep->n, sizeof(*rep->groups), group_cmp);
	for (i = 0; i < rep->n; i++) {
		const struct hist_val *v = &rep->groups[i].val;

		if (!v->count)
			continue;
		key_label(&rep->groups[i].key, label, sizeof(label));
		if (json) {
			uint32_t s;
			int first = 1;

			json_open(f, time);
			fprintf(f, "\"group\":\"%s\",\"count\":%llu,\"min_us\":%.3f,\"mean_us\":%.3f,"
				"\"max_us\":%.3f,\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,"
				"\"p999_us\":%.3f,\"errors\":%llu,\"bytes\":%llu,\"slots\":[",
				label, v->count, v->min_ns / 1e3, (double)v->sum_ns / v->count / 1e3,
				v->max_ns / 1e3, report_quantile(v, 0.5) / 1e3,
				report_quantile(v, 0.9) / 1e3, report_quantile(v, 0.99) / 1e3,
				report_quantile(v, 0.999) / 1e3, v->errors, v->bytes);
			for (s = 0; s < HIST_SLOTS; s++) {
				if (!v->slots[s])
					continue;
				fprintf(f, "%s[%llu,%llu,%llu]", first ? "" : ",",
					hist_slot_low(s), hist_slot_low(s) + hist_slot_width(s), v->slots[s]);
				first = 0;
			}
			fputs("]}\n", f);
			continue;
		}
		fprintf(f, "%s: count %llu, min %.1f, mean %.1f, max %.1f, "
			"p50 %.1f, p90 %.1f, p99 %.1f, p99.9 %.1f us\n", label, v->count,
			v->min_ns / 1e3, (double)v->sum_ns / v->count / 1e3, v->max_ns / 1e3,
			report_quantile(v, 0.5) / 1e3, report_quantile(v, 0.9) / 1e3,
			report_quantile(v, 0.99) / 1e3, report_quantile(v, 0.999) / 1e3);
		print_bars(f, v);
		fputc('\n', f);
	}
}

/* One line per device of a count report: "IN FLIGHT  nvme0n1 2". */
static void print_counts(FILE *f, const struct report *counts, bool json, const char *label,
			 const char *json_key, const char *time)
{
	char dev[40];
	size_t i;

	for (i = 0; counts && i < counts->n; i++) {
		key_device(&counts->groups[i].key, dev, sizeof(dev));
		if (json) {
			json_open(f, time);
			fprintf(f, "\"device\":\"%s\",\"%s\":%llu}\n", dev, json_key,
				counts->groups[i].val.count);
		} else
			fprintf(f, "%-10s %-16s %llu\n", label, dev, counts->groups[i].val.count);
	}
}

void report_print_summary(FILE *f, struct report *rep, double seconds, bool json,
			  const struct report *inflight, const struct report *requeued,
			  const char *time)
{
	char dev[40], op[8], name[96];
	size_t i, j, k;

	qsort(rep->groups, rep->n, sizeof(*rep->groups), group_cmp);
	if (!json)
		fprintf(f, "%-10s %-16s %10s %10s %10s %10s %8s %s\n", "DEVICE", "OPCODE",
			"CMDS/s", "MB/s", "AVG(us)", "P99(us)", "ERRORS", "BY STATUS");
	/* Groups are sorted: equal device and opcode are adjacent, one per
	 * status; merge them into a line.
	 */
	for (i = 0; i < rep->n; i = j) {
		struct hist_val all = {};
		struct hist_key *ki = &rep->groups[i].key;
		char errs[512] = "";
		size_t n = 0;

		for (j = i; j < rep->n; j++) {
			struct hist_key *kj = &rep->groups[j].key;
			const struct hist_val *v = &rep->groups[j].val;

			if (strncmp(kj->disk, ki->disk, sizeof(ki->disk)) || kj->ctrl != ki->ctrl ||
			    kj->opcode != ki->opcode || kj->ioq != ki->ioq)
				break;
			all.count += v->count;
			all.sum_ns += v->sum_ns;
			all.bytes += v->bytes;
			all.errors += v->errors;
			if (!all.min_ns || (v->min_ns && v->min_ns < all.min_ns))
				all.min_ns = v->min_ns;
			if (v->max_ns > all.max_ns)
				all.max_ns = v->max_ns;
			for (k = 0; k < HIST_SLOTS; k++)
				all.slots[k] += v->slots[k];
			if (kj->status && n < sizeof(errs)) {
				nvme_status_name(kj->status, false, name, sizeof(name));
				if (json)
					n += snprintf(errs + n, sizeof(errs) - n,
						      "%s{\"status\":%u,\"name\":\"%s\",\"count\":%llu}",
						      n ? "," : "", kj->status, name, v->count);
				else
					n += snprintf(errs + n, sizeof(errs) - n, "%s%s: %llu",
						      n ? ", " : "", name, v->count);
			}
		}
		if (!all.count)
			continue;
		key_device(ki, dev, sizeof(dev));
		if (json) {
			json_open(f, time);
			fprintf(f, "\"device\":\"%s\",\"opcode\":\"%s\",\"commands\":%llu,\"cmds_per_s\":%.3f,"
				"\"bytes\":%llu,\"mb_per_s\":%.3f,\"avg_us\":%.3f,\"p99_us\":%.3f,"
				"\"errors\":%llu,\"by_status\":[%s]}\n", dev, key_opcode(ki, op, sizeof(op)),
				all.count, all.count / seconds, all.bytes, all.bytes / seconds / 1e6,
				(double)all.sum_ns / all.count / 1e3, report_quantile(&all, 0.99) / 1e3,
				all.errors, errs);
			continue;
		}
		fprintf(f, "%-10s %-16s %10.1f %10.3f %10.1f %10.1f %8llu %s\n", dev,
			key_opcode(ki, op, sizeof(op)), all.count / seconds, all.bytes / seconds / 1e6,
			(double)all.sum_ns / all.count / 1e3, report_quantile(&all, 0.99) / 1e3,
			all.errors, errs[0] ? errs : "-");
	}
	print_counts(f, requeued, json, "REQUEUED", "requeued", time);
	print_counts(f, inflight, json, "IN FLIGHT", "inflight", time);
}
