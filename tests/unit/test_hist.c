// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Histogram slots and percentiles against exact values on synthetic data. */
#include <math.h>
#include <stdlib.h>
#include "report.h"
#include "unit.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* xorshift: reproducible data without libc's rand() state. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uniform01(void)
{
	return (double)(next_rand() >> 11) / 9007199254740992.0;
}

/* hist_log2() is branch-free (for the BPF verifier): against a shift loop,
 * at every power of two and either side of it, and on random values.
 */
static void test_log2(void)
{
	int bad = 0, b, d;
	uint64_t v, x;
	size_t i;

	for (b = 0; b < 64; b++)
		for (d = -1; d <= 1; d++) {
			v = (1ull << b) + (uint64_t)d;
			if (!v)
				continue;
			for (x = v >> 1, i = 0; x; x >>= 1)
				i++;
			if (hist_log2(v) != (int)i)
				bad++;
		}
	for (i = 0; i < 200000; i++) {
		v = next_rand() >> (next_rand() % 64);
		if (!v)
			continue;
		for (x = v >> 1, b = 0; x; x >>= 1)
			b++;
		if (hist_log2(v) != b)
			bad++;
	}
	CHECK(!bad, "hist log2: floor(log2(v)) at and beside each power of two, and at random (%d wrong)",
	      bad);
}

static void test_slots(void)
{
	static const uint64_t edges[] = { 0, 1, 15, 16, 17, 31, 32, 999, 1000, 1023, 1024,
					  65535, 65536, 1000000, 123456789, (1ull << 39) + 12345,
					  (1ull << 40) - 1 };
	int bad = 0, wide = 0;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		uint32_t s = hist_slot(edges[i]);

		if (edges[i] < hist_slot_low(s) || edges[i] >= hist_slot_low(s) + hist_slot_width(s))
			bad++;
	}
	for (i = 0; i < 200000; i++) {
		uint64_t v = next_rand() >> (next_rand() % 40 + 24);
		uint32_t s = hist_slot(v);

		if (s >= HIST_SLOTS || v < hist_slot_low(s) || v >= hist_slot_low(s) + hist_slot_width(s))
			bad++;
		if (v >= 16 && (double)hist_slot_width(s) / (double)hist_slot_low(s) > 1.0 / 16 + 1e-12)
			wide++;
	}
	CHECK(!bad, "hist slots: every value lies in its slot (%d outside)", bad);
	CHECK(!wide, "hist slots: no slot wider than 1/16 of its start (%d)", wide);
	CHECK(hist_slot(1ull << 40) == HIST_SLOTS - 1 && hist_slot(~0ull) == HIST_SLOTS - 1,
	      "hist slots: overflow goes to the last slot");
	for (i = 1; i < HIST_SLOTS; i++)
		if (hist_slot_low(i) != hist_slot_low(i - 1) + hist_slot_width(i - 1))
			bad++;
	CHECK(!bad, "hist slots: contiguous");
}

static void check_quantiles(const char *what, uint64_t *v, size_t n)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	struct report rep = { .by = 0 };
	struct nvmetrace_record r = { .flags = NVMETRACE_F_COMPLETED };
	double worst = 0;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		r.latency_ns = v[i];
		sum += v[i];
		report_add_record(&rep, &r);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		/* exact: the smallest value with at least q*n values <= it */
		size_t idx = (size_t)ceil(qs[i] * (double)n) - 1;
		double exact = (double)v[idx];
		double got = (double)report_quantile(&rep.groups[0].val, qs[i]);
		double err = exact ? fabs(got - exact) / exact : got;

		if (err > worst)
			worst = err;
		CHECK(err <= 0.05, "hist %s p%g: %.0f vs exact %.0f (%.2f%%)", what, qs[i] * 100,
		      got, exact, err * 100);
	}
	CHECK(rep.n == 1 && rep.groups[0].val.count == n && rep.groups[0].val.min_ns == v[0] &&
	      rep.groups[0].val.max_ns == v[n - 1] && rep.groups[0].val.sum_ns == sum,
	      "hist %s: count, min, max and sum exact", what);
	report_free(&rep);
}

static void test_quantiles(void)
{
	enum { N = 100000 };
	static uint64_t v[N];
	size_t i;

	for (i = 0; i < N; i++)
		v[i] = 1000 + (uint64_t)(uniform01() * 9999000);	/* 1 us - 10 ms */
	check_quantiles("uniform", v, N);
	for (i = 0; i < N; i++)
		v[i] = 20000 + (uint64_t)(-log(1 - uniform01()) * 80000);	/* exponential */
	check_quantiles("exponential", v, N);
	for (i = 0; i < N; i++)	/* bimodal: fast cache hits, slow media reads */
		v[i] = i % 10 ? 8000 + next_rand() % 4000 : 900000 + next_rand() % 300000;
	check_quantiles("bimodal", v, N);
	for (i = 0; i < N; i++)
		v[i] = 123456;
	check_quantiles("constant", v, N);
	for (i = 0; i < 7; i++)
		v[i] = 100 * (i + 1);
	check_quantiles("seven values", v, 7);
}

static void test_groups(void)
{
	struct report rep = { .by = HIST_BY_DISK | HIST_BY_OPCODE };
	struct nvmetrace_record a = { .flags = NVMETRACE_F_COMPLETED | NVMETRACE_F_IOQ,
				      .latency_ns = 1000, .disk = "nvme0n1", .data_len = 4096 };
	struct nvmetrace_record b = a, c = a, d = a;

	b.latency_ns = 3000;
	b.status = 0x4001;
	c.sqe[0] = 1;				/* write */
	d.flags &= ~NVMETRACE_F_COMPLETED;	/* in flight: not a latency */
	report_add_record(&rep, &a);
	report_add_record(&rep, &b);
	report_add_record(&rep, &c);
	report_add_record(&rep, &d);
	CHECK(rep.n == 2 && rep.groups[0].val.count == 2 && rep.groups[0].val.errors == 1 &&
	      rep.groups[0].val.bytes == 8192 && rep.groups[0].val.sum_ns == 4000 &&
	      rep.groups[1].val.count == 1, "hist groups by disk and opcode, errors and bytes");
	report_free(&rep);
	CHECK(report_parse_by("disk,opcode") == (HIST_BY_DISK | HIST_BY_OPCODE) &&
	      report_parse_by("process") == HIST_BY_COMM && report_parse_by("status,qid,ctrl") ==
	      (HIST_BY_STATUS | HIST_BY_QID | HIST_BY_CTRL) && report_parse_by("disk,bogus") == -1 &&
	      report_parse_by("") == -1 && report_parse_by(",") == -1,
	      "hist --by parsing");
}

/* A value as the BPF side fills it: slots counted, count left 0. */
static void test_val_count(void)
{
	static struct hist_val v;

	v.count = 7;	/* whatever was there is replaced */
	v.slots[0] = 1;
	v.slots[hist_slot(1000)] = 2;
	v.slots[HIST_SLOTS - 1] = 3;
	hist_val_count(&v);
	CHECK(v.count == 6, "hist count of a kernel value is the sum of its slots: %llu",
	      (unsigned long long)v.count);
}

int main(void)
{
	test_log2();
	test_slots();
	test_quantiles();
	test_groups();
	test_val_count();
	return UNIT_DONE();
}
