/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A minimal unit-test harness: each CHECK prints "PASS unit <name>" or
 * "FAIL unit <name>: <why>"; tests/run-all counts the lines. main() returns
 * non-zero if anything failed. The sanitized build (make: $(BUILD)/asan/)
 * defines UNIT_WHERE as "unit-asan" so its lines stand apart.
 */
#ifndef NVMETRACE_UNIT_H
#define NVMETRACE_UNIT_H

#include <stdio.h>
#include <string.h>

#ifndef UNIT_WHERE
#define UNIT_WHERE "unit"
#endif

static int unit_failures;

#define CHECK(cond, ...) do {						\
	printf("%s " UNIT_WHERE " ", (cond) ? "PASS" : "FAIL");	\
	printf(__VA_ARGS__);						\
	if (!(cond)) {							\
		printf(": %s (%s:%d)", #cond, __FILE__, __LINE__);	\
		unit_failures++;					\
	}								\
	printf("\n");							\
} while (0)

#define CHECK_EQ_U64(got, want, ...) do {				\
	unsigned long long g_ = (got), w_ = (want);			\
	printf("%s " UNIT_WHERE " ", g_ == w_ ? "PASS" : "FAIL");	\
	printf(__VA_ARGS__);						\
	if (g_ != w_) {							\
		printf(": got %#llx, want %#llx (%s:%d)", g_, w_,	\
		       __FILE__, __LINE__);				\
		unit_failures++;					\
	}								\
	printf("\n");							\
} while (0)

#define CHECK_EQ_STR(got, want, ...) do {				\
	const char *g_ = (got), *w_ = (want);				\
	int ok_ = g_ && w_ ? !strcmp(g_, w_) : g_ == w_;		\
	printf("%s " UNIT_WHERE " ", ok_ ? "PASS" : "FAIL");		\
	printf(__VA_ARGS__);						\
	if (!ok_) {							\
		printf(": got \"%s\", want \"%s\" (%s:%d)",		\
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)",		\
		       __FILE__, __LINE__);				\
		unit_failures++;					\
	}								\
	printf("\n");							\
} while (0)

#define UNIT_DONE() (unit_failures ? 1 : 0)

#endif /* NVMETRACE_UNIT_H */
