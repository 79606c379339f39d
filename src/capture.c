// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Capture file format, version 1 (docs/capture.md). Little-endian, as the
 * records are written by the BPF side of a little-endian host; a file from
 * a host of the other byte order is refused by its byte-order mark.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <isa-l/crc.h>
#include "capture.h"

/* Header layout: byte offsets. */
enum {
	H_MAGIC		= 0,	/* char[8] */
	H_VERSION	= 8,	/* u16 */
	H_HEADER_SIZE	= 10,	/* u16 */
	H_BYTE_ORDER	= 12,	/* u32 */
	H_RECORD_SIZE	= 16,	/* u32 */
	H_FLAGS		= 20,	/* u32 */
	H_MONO_TO_REAL	= 24,	/* s64 */
	H_START_NS	= 32,	/* u64 */
	H_NVMETRACE	= 40,	/* char[24] */
	H_KERNEL	= 64,	/* char[65] */
	H_HOSTNAME	= 129,	/* char[65] */
	H_CRC		= 252,	/* u32: CRC-32 of bytes 0..251 */
};

#define FRAME_SIZE 8	/* u32 length, u32 CRC-32 of the record */

/* CRC-32 as zlib's crc32() computes it (ISO-HDLC: reflected polynomial
 * 0xedb88320), by ISA-L, which folds with carry-less multiplies where the
 * CPU has them: on a 168-byte record about 45 ns, where zlib 1.2.13
 * (Debian 12) takes 250-325 ns, which alone capped replay at about 3
 * million records/s.
 */
static uint32_t crc(const void *buf, size_t n)
{
	return crc32_gzip_refl(0, buf, n);
}

int capture_write_header(FILE *f, const struct capture_info *info)
{
	unsigned char h[CAPTURE_HEADER_SIZE] = {};
	uint16_t v16;
	uint32_t v32;

	memcpy(h + H_MAGIC, CAPTURE_MAGIC, 8);
	v16 = CAPTURE_VERSION;
	memcpy(h + H_VERSION, &v16, 2);
	v16 = CAPTURE_HEADER_SIZE;
	memcpy(h + H_HEADER_SIZE, &v16, 2);
	v32 = CAPTURE_BYTE_ORDER;
	memcpy(h + H_BYTE_ORDER, &v32, 4);
	v32 = sizeof(struct nvmetrace_record);
	memcpy(h + H_RECORD_SIZE, &v32, 4);
	memcpy(h + H_FLAGS, &info->flags, 4);
	memcpy(h + H_MONO_TO_REAL, &info->mono_to_real_ns, 8);
	memcpy(h + H_START_NS, &info->start_ns, 8);
	/* NUL-padded strings; the header's zeroes terminate them. */
	memcpy(h + H_NVMETRACE, info->nvmetrace_version, strnlen(info->nvmetrace_version, 23));
	memcpy(h + H_KERNEL, info->kernel_release, strnlen(info->kernel_release, 64));
	memcpy(h + H_HOSTNAME, info->hostname, strnlen(info->hostname, 64));
	v32 = crc(h, H_CRC);
	memcpy(h + H_CRC, &v32, 4);
	if (fwrite(h, sizeof(h), 1, f) != 1)
		return -(errno ? errno : EIO);
	return 0;
}

int capture_write_record(FILE *f, const struct nvmetrace_record *r)
{
	/* Frame and record in one unlocked write: the reader thread is the
	 * stream's only user.
	 */
	struct {
		uint32_t frame[2];
		struct nvmetrace_record r;
	} __attribute__((packed)) out;

	out.frame[0] = sizeof(*r);
	out.frame[1] = crc(r, sizeof(*r));
	memcpy(&out.r, r, sizeof(*r));
	if (fwrite_unlocked(&out, sizeof(out), 1, f) != 1)
		return -(errno ? errno : EIO);
	return 0;
}

int capture_open(struct capture_reader *rd, FILE *f, char *why, size_t why_len)
{
	unsigned char h[CAPTURE_HEADER_SIZE];
	uint32_t v32, want_crc;
	struct stat st;
	uint16_t hsize;
	size_t n;

	memset(rd, 0, sizeof(*rd));
	rd->f = f;
	n = fread(h, 1, sizeof(h), f);
	if (n < 16 || memcmp(h + H_MAGIC, CAPTURE_MAGIC, 8)) {
		snprintf(why, why_len, ferror(f) ? "read error: %s" : "not an nvmetrace capture file",
			 strerror(errno));
		return -1;
	}
	memcpy(&rd->info.version, h + H_VERSION, 2);
	memcpy(&hsize, h + H_HEADER_SIZE, 2);
	memcpy(&v32, h + H_BYTE_ORDER, 4);
	if (rd->info.version > CAPTURE_VERSION) {
		snprintf(why, why_len, "written by a newer nvmetrace (capture format %u; "
			 "this one reads format %u)", rd->info.version, CAPTURE_VERSION);
		return -1;
	}
	if (rd->info.version == 0 || hsize != CAPTURE_HEADER_SIZE) {
		snprintf(why, why_len, "corrupted header (format %u, header size %u)",
			 rd->info.version, hsize);
		return -1;
	}
	if (v32 != CAPTURE_BYTE_ORDER) {
		snprintf(why, why_len, "written on a host of the other byte order");
		return -1;
	}
	if (n < sizeof(h)) {
		snprintf(why, why_len, "truncated header (%zu of %d bytes)", n, CAPTURE_HEADER_SIZE);
		return -1;
	}
	memcpy(&want_crc, h + H_CRC, 4);
	if (crc(h, H_CRC) != want_crc) {
		snprintf(why, why_len, "corrupted header (CRC mismatch)");
		return -1;
	}
	memcpy(&rd->info.record_size, h + H_RECORD_SIZE, 4);
	if (rd->info.record_size != sizeof(struct nvmetrace_record)) {
		snprintf(why, why_len, "corrupted header (record size %u, expected %zu)",
			 rd->info.record_size, sizeof(struct nvmetrace_record));
		return -1;
	}
	memcpy(&rd->info.flags, h + H_FLAGS, 4);
	memcpy(&rd->info.mono_to_real_ns, h + H_MONO_TO_REAL, 8);
	memcpy(&rd->info.start_ns, h + H_START_NS, 8);
	memcpy(rd->info.nvmetrace_version, h + H_NVMETRACE, 23);
	memcpy(rd->info.kernel_release, h + H_KERNEL, 64);
	memcpy(rd->info.hostname, h + H_HOSTNAME, 64);
	rd->offset = sizeof(h);
	/* Everything is there already in a file or a memory stream (no
	 * descriptor): read it in whole blocks.
	 */
	rd->whole_blocks = fileno(f) < 0 || (!fstat(fileno(f), &st) && S_ISREG(st.st_mode));
	return 0;
}

/* Make at least want bytes available at buf[pos]; fewer only at the end
 * of the input. Moves what is left to the start of the buffer, which keeps
 * records 8-aligned.
 */
static size_t fill(struct capture_reader *rd, size_t want)
{
	size_t room, n;

	if (rd->len - rd->pos >= want || rd->eof)
		return rd->len - rd->pos;
	memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
	rd->len -= rd->pos;
	rd->pos = 0;
	/* fread() returns short only at the end or on an error: it waits
	 * for all it was asked. From a pipe (a live -w -) ask only for the
	 * record needed, so each is printed as soon as it arrives.
	 */
	room = rd->whole_blocks ? sizeof(rd->buf) - rd->len : want - rd->len;
	n = fread(rd->buf + rd->len, 1, room, rd->f);
	rd->len += n;
	if (n < room)
		rd->eof = true;
	return rd->len;
}

enum capture_status capture_next_ref(struct capture_reader *rd,
				     const struct nvmetrace_record **r)
{
	size_t want = FRAME_SIZE + sizeof(**r), n;
	uint32_t frame[2];

	n = fill(rd, want);
	if (n == 0)
		return ferror(rd->f) ? CAPTURE_IO_ERROR : CAPTURE_END;
	if (n < FRAME_SIZE)
		return ferror(rd->f) ? CAPTURE_IO_ERROR : CAPTURE_TRUNCATED;
	memcpy(frame, rd->buf + rd->pos, sizeof(frame));
	if (frame[0] != rd->info.record_size)
		return CAPTURE_CORRUPT;
	if (n < want)
		return ferror(rd->f) ? CAPTURE_IO_ERROR : CAPTURE_TRUNCATED;
	*r = (const struct nvmetrace_record *)(rd->buf + rd->pos + FRAME_SIZE);
	if (crc(*r, sizeof(**r)) != frame[1])
		return CAPTURE_CORRUPT;
	rd->pos += want;
	rd->offset += want;
	rd->records++;
	return CAPTURE_OK;
}

enum capture_status capture_next(struct capture_reader *rd, struct nvmetrace_record *r)
{
	const struct nvmetrace_record *p;
	enum capture_status st = capture_next_ref(rd, &p);

	if (st == CAPTURE_OK)
		memcpy(r, p, sizeof(*r));
	return st;
}

FILE *capture_create(const char *path, const struct capture_info *info)
{
	struct stat st;
	FILE *f;
	int fd, err;

	if (!strcmp(path, "-")) {
		f = stdout;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return NULL;
		/* O_CREAT's mode does not apply to a file that existed. Only
		 * a regular file is made private: a device or a pipe
		 * (/dev/null, a FIFO a reader waits on) is not ours to chmod.
		 */
		if (fstat(fd, &st) || (S_ISREG(st.st_mode) && fchmod(fd, 0600)) ||
		    !(f = fdopen(fd, "wb"))) {
			err = errno;
			close(fd);
			errno = err;
			return NULL;
		}
	}
	err = capture_write_header(f, info);
	if (err) {
		if (f != stdout)
			fclose(f);
		errno = -err;
		return NULL;
	}
	return f;
}

void capture_info_local(struct capture_info *info, bool all,
			int64_t mono_to_real_ns, uint64_t start_ns)
{
	struct utsname u;

	memset(info, 0, sizeof(*info));
	info->version = CAPTURE_VERSION;
	info->record_size = sizeof(struct nvmetrace_record);
	info->flags = all ? CAPTURE_F_ALL : 0;
	info->mono_to_real_ns = mono_to_real_ns;
	info->start_ns = start_ns;
	snprintf(info->nvmetrace_version, sizeof(info->nvmetrace_version), "%s", NVMETRACE_VERSION);
	if (!uname(&u)) {
		snprintf(info->kernel_release, sizeof(info->kernel_release), "%s", u.release);
		snprintf(info->hostname, sizeof(info->hostname), "%s", u.nodename);
	}
}
