/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Capture files: raw records written by -w, read back by -r on any machine.
 * The format is documented in docs/capture.md.
 */
#ifndef NVMETRACE_CAPTURE_H
#define NVMETRACE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "record.h"

#define CAPTURE_MAGIC		"NVMETRCE"
#define CAPTURE_VERSION		1
#define CAPTURE_HEADER_SIZE	256
#define CAPTURE_BYTE_ORDER	0x01020304u

/* capture_header.flags */
enum {
	CAPTURE_F_ALL = 1u << 0,	/* recorded with -a */
};

/* What the header tells a reader. */
struct capture_info {
	uint16_t version;
	uint32_t record_size;
	uint32_t flags;
	int64_t mono_to_real_ns;	/* clock reference of the recording */
	uint64_t start_ns;
	char nvmetrace_version[24];
	char kernel_release[65];
	char hostname[65];
};

/* Write the header. Returns 0 or -errno. */
int capture_write_header(FILE *f, const struct capture_info *info);

/* Write one record (framed with its length and CRC-32). 0 or -errno. */
int capture_write_record(FILE *f, const struct nvmetrace_record *r);

enum capture_status {
	CAPTURE_OK = 0,		/* a record was read */
	CAPTURE_END,		/* clean end of file */
	CAPTURE_TRUNCATED,	/* the file ends inside a record */
	CAPTURE_CORRUPT,	/* a record's frame or CRC is wrong */
	CAPTURE_IO_ERROR,
};

/* Records are read from a file in blocks of this many bytes (a few hundred
 * records): one read per block, not two freads per record. Held in the
 * reader itself, so a reader needs no closing.
 */
#define CAPTURE_READ_BLOCK	(64 * 1024)

struct capture_reader {
	FILE *f;
	struct capture_info info;
	uint64_t offset;	/* bytes consumed so far */
	uint64_t records;	/* records read so far */
	size_t pos, len;	/* unconsumed bytes: buf[pos..len) */
	bool eof;		/* the last read hit the end (or an error) */
	bool whole_blocks;	/* read CAPTURE_READ_BLOCK at a time */
	/* 8-aligned, and records start at pos + 8 with pos a multiple of
	 * 8 (a framed record is 176 bytes), so capture_next_ref() can hand
	 * out records in place.
	 */
	_Alignas(8) unsigned char buf[CAPTURE_READ_BLOCK];
};

/* Read and check the header. On failure returns -1 and writes a one-line
 * reason ("not an nvmetrace capture", "written by a newer nvmetrace ...").
 */
int capture_open(struct capture_reader *rd, FILE *f, char *why, size_t why_len);

/* Read the next record into *r. */
enum capture_status capture_next(struct capture_reader *rd, struct nvmetrace_record *r);

/* The same, without the copy: *r points into the reader's buffer and is
 * valid until the next call.
 */
enum capture_status capture_next_ref(struct capture_reader *rd,
				     const struct nvmetrace_record **r);


/* Create a capture file (mode 0600, also when it existed; "-" is stdout)
 * and write its header. Returns NULL with errno set on failure.
 */
FILE *capture_create(const char *path, const struct capture_info *info);

/* Fill info for a recording made now on this machine. */
void capture_info_local(struct capture_info *info, bool all,
			int64_t mono_to_real_ns, uint64_t start_ns);

#endif /* NVMETRACE_CAPTURE_H */
