// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: arbitrary bytes as one command, through the pure
 * decoders (decode.c, fields.c, names.c), the filters and the table and
 * JSON backends, with the properties their callers rely on checked.
 *
 * The input's layout is in fuzz.h (IN_*); the bytes from IN_RECORD on,
 * NUL-terminated, are also parsed as an -o value.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "decode.h"
#include "fields.h"
#include "fuzz.h"
#include "names.h"

/* nvme_fields_format keeps snprintf's promise at every buffer size. */
static void check_format(const struct nvme_fields *fs)
{
	static const size_t lens[] = { 0, 1, 2, 17, 64 };
	char full[NVME_MAX_FIELDS * 200], buf[64];
	int n = nvme_fields_format(fs, full, sizeof(full));

	FUZZ_ASSERT(n >= 0 && (size_t)n == strlen(full) && (size_t)n < sizeof(full));
	FUZZ_ASSERT(!strchr(full, '\n'));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		FUZZ_ASSERT(nvme_fields_format(fs, buf, lens[i]) == n);
		if (!lens[i])
			FUZZ_ASSERT(buf[0] == 'x');
		else
			FUZZ_ASSERT(strlen(buf) < lens[i] && !strncmp(buf, full, strlen(buf)));
	}
}

static void check_fields(const struct nvme_sqe *sqe, enum nvme_qtype qtype)
{
	struct nvme_fields fs;

	memset(&fs, 0xa5, sizeof(fs));
	nvme_sqe_fields(sqe, qtype, &fs);
	FUZZ_ASSERT(fs.n >= 0 && fs.n <= NVME_MAX_FIELDS);
	for (int i = 0; i < fs.n; i++) {
		const struct nvme_field *f = &fs.f[i];

		/* The key is a JSON key and the name a JSON string. */
		FUZZ_ASSERT(f->key && f->key[0] && !strpbrk(f->key, "\"\\ "));
		FUZZ_ASSERT(f->kind == NVME_FIELD_NUM || f->kind == NVME_FIELD_HEX ||
			    f->kind == NVME_FIELD_FLAG);
		FUZZ_ASSERT(!f->name || f->name[0]);
		FUZZ_ASSERT(f->bytes >= -1);
	}
	check_format(&fs);
}

static void check_status(uint16_t status)
{
	static const size_t lens[] = { 1, 8, 96 };
	struct nvme_status st;
	char full[256], buf[96];

	nvme_status_decode(status, &st);
	FUZZ_ASSERT((st.sc | st.sct << 8 | st.crd << 11 | st.more << 13 | st.dnr << 14) ==
		    (status & 0x7fff));
	FUZZ_ASSERT(nvme_sct_name(st.sct)[0]);
	for (int fabrics = 0; fabrics < 2; fabrics++) {
		nvme_status_name(status, fabrics, full, sizeof(full));
		FUZZ_ASSERT(full[0] && strlen(full) < sizeof(full) - 1);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			nvme_status_name(status, fabrics, buf, lens[i]);
			FUZZ_ASSERT(strlen(buf) < lens[i] && !strncmp(buf, full, strlen(buf)));
		}
	}
}

static void check_names(uint8_t opcode)
{
	const char *fc;

	for (int q = NVME_QTYPE_ADMIN; q <= NVME_QTYPE_IO; q++) {
		const char *name = nvme_opcode_name(q, opcode), *s = nvme_opcode_short(q, opcode);

		FUZZ_ASSERT(!name == !s);
		FUZZ_ASSERT(!name || (name[0] && s[0]));
	}
	fc = nvme_fabrics_type_name(opcode);
	FUZZ_ASSERT(!fc || fc[0]);
}

/* -o VALUE (names.h): whatever parses is an opcode; a bare number fits
 * any queue, admin:N and io:N theirs, and a name is one nvmetrace prints.
 */
static void check_parse(const uint8_t *p, size_t n)
{
	enum nvme_qtype qtype, prefix = NVME_QTYPE_ANY;
	const char *body;
	char s[80];
	int opcode = -1;

	if (n >= sizeof(s))
		n = sizeof(s) - 1;
	memcpy(s, p, n);
	s[n] = '\0';
	if (nvme_opcode_parse(s, &opcode, &qtype))
		return;
	FUZZ_ASSERT(opcode >= 0 && opcode <= 0xff);
	body = s;
	if (!strncasecmp(s, "admin:", 6)) {
		prefix = NVME_QTYPE_ADMIN;
		body += 6;
	} else if (!strncasecmp(s, "io:", 3)) {
		prefix = NVME_QTYPE_IO;
		body += 3;
	}
	if (isdigit((unsigned char)body[0]))
		FUZZ_ASSERT(qtype == prefix);
	else
		FUZZ_ASSERT(qtype != NVME_QTYPE_ANY && nvme_opcode_name(qtype, (uint8_t)opcode) &&
			    (prefix == NVME_QTYPE_ANY || qtype == prefix));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[IN_SIZE] = {};
	struct nvmetrace_record r;
	int64_t mono_to_real;
	uint64_t start;
	struct nvme_sqe sqe;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memcpy(&r, in + IN_RECORD, sizeof(r));
	memcpy(r.sqe, in + IN_SQE, NVME_SQE_SIZE);
	memcpy(&r.status, in + IN_STATUS, 4);
	memcpy(&r.result, in + IN_RESULT, 8);
	memcpy(&mono_to_real, in + IN_MONO_TO_REAL, 8);
	memcpy(&start, in + IN_START, 8);

	nvme_sqe_decode(r.sqe, &sqe);
	FUZZ_ASSERT(sqe.opcode == r.sqe[0] && sqe.command_id == (r.sqe[2] | r.sqe[3] << 8));
	check_names(sqe.opcode);
	check_fields(&sqe, NVME_QTYPE_ADMIN);
	check_fields(&sqe, NVME_QTYPE_IO);
	check_status((uint16_t)r.status);
	if (size > IN_RECORD)
		check_parse(data + IN_RECORD, size - IN_RECORD);
	fuzz_record(&r, mono_to_real, start, in[IN_STYLE]);
	return 0;
}
