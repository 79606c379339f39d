// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: arbitrary bytes as a capture file, read the way -r
 * reads one (capture_open, then capture_next until it stops), each record
 * through the filters and the table and JSON backends.
 *
 * Random bytes rarely carry right CRCs, so each input is read twice: as it
 * is (the reader's own checks: magic, version, sizes, frames, CRCs), and
 * with its header and frame CRCs recomputed with zlib, so hostile records
 * get past the CRCs to the code that prints them; the reader must then
 * find no CRC wrong (its CRC is zlib's, docs/capture.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "capture.h"
#include "fuzz.h"

#define FRAME_SIZE 8	/* docs/capture.md: u32 length, u32 CRC-32 */
#define HEADER_CRC (CAPTURE_HEADER_SIZE - 4)

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

/* Make the header's CRC and each whole frame's CRC right. */
static void fix_crcs(uint8_t *d, size_t size)
{
	uint32_t len, v;
	size_t off;

	if (size < CAPTURE_HEADER_SIZE)
		return;
	v = crc(d, HEADER_CRC);
	memcpy(d + HEADER_CRC, &v, 4);
	for (off = CAPTURE_HEADER_SIZE; size - off >= FRAME_SIZE; off += FRAME_SIZE + len) {
		memcpy(&len, d + off, 4);
		if (len != sizeof(struct nvmetrace_record) || size - off - FRAME_SIZE < len)
			break;
		v = crc(d + off + FRAME_SIZE, len);
		memcpy(d + off + 4, &v, 4);
	}
}

static void read_capture(const uint8_t *data, size_t size, bool crcs_fixed)
{
	struct nvmetrace_record r;
	struct capture_reader rd;
	enum capture_status st;
	char why[160] = "";
	unsigned n = 0;
	FILE *f;

	/* fmemopen refuses a zero-sized buffer. */
	f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
	FUZZ_ASSERT(f);
	if (capture_open(&rd, f, why, sizeof(why))) {
		/* One line saying why (replay prints it after "failed to read F: "). */
		FUZZ_ASSERT(why[0] && strlen(why) < sizeof(why) - 1 && !strchr(why, '\n'));
		FUZZ_ASSERT(!crcs_fixed || strcmp(why, "corrupted header (CRC mismatch)"));
		fclose(f);
		return;
	}
	FUZZ_ASSERT(rd.offset == CAPTURE_HEADER_SIZE && size >= CAPTURE_HEADER_SIZE);
	FUZZ_ASSERT(strlen(rd.info.nvmetrace_version) < sizeof(rd.info.nvmetrace_version));
	FUZZ_ASSERT(strlen(rd.info.kernel_release) < sizeof(rd.info.kernel_release));
	FUZZ_ASSERT(strlen(rd.info.hostname) < sizeof(rd.info.hostname));
	while ((st = capture_next(&rd, &r)) == CAPTURE_OK)
		fuzz_record(&r, rd.info.mono_to_real_ns, rd.info.start_ns, n++);
	/* -r reports where it stopped: the offset must say it truly. */
	FUZZ_ASSERT(st != CAPTURE_IO_ERROR);
	FUZZ_ASSERT(rd.records == n);
	FUZZ_ASSERT(rd.offset == CAPTURE_HEADER_SIZE +
		    (uint64_t)n * (FRAME_SIZE + sizeof(struct nvmetrace_record)));
	if (st == CAPTURE_END)
		FUZZ_ASSERT(rd.offset == size);
	else
		FUZZ_ASSERT(rd.offset < size);
	if (st == CAPTURE_CORRUPT && crcs_fixed) {
		uint32_t len;

		/* Then only the frame's length can be wrong. */
		FUZZ_ASSERT(size - rd.offset >= 4);
		memcpy(&len, data + rd.offset, 4);
		FUZZ_ASSERT(len != sizeof(struct nvmetrace_record));
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_capture(data, size, false);
	if (size < CAPTURE_HEADER_SIZE)
		return 0;
	copy = malloc(size);
	FUZZ_ASSERT(copy);
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	if (memcmp(copy, data, size))
		read_capture(copy, size, true);
	free(copy);
	return 0;
}
