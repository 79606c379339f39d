// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Capture files: lossless round trip; truncated, corrupted and foreign
 * files give the documented errors and keep what was valid; files are
 * created 0600, and a pipe or device written to keeps its mode.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture.h"
#include "unit.h"

#define NREC 1000

static char path[] = "/tmp/nvmetrace-test-XXXXXX";

static void make_record(struct nvmetrace_record *r, unsigned i)
{
	memset(r, 0, sizeof(*r));
	r->ts_ns = 1000000000ull * i + i;
	r->latency_ns = 1000ull * (i % 97) + 1;
	r->result = 0xfedcba9876543210ull ^ i;
	r->pid = 100 + i;
	r->tid = 200 + i;
	r->flags = i % 2 ? NVMETRACE_F_COMPLETED | NVMETRACE_F_QID : NVMETRACE_F_INFLIGHT;
	r->status = i % 5 ? 0 : (i % 3 ? 0x4001 : -4);
	r->ctrl = (int)(i % 3);
	r->qid = (uint16_t)(i % 8);
	r->tag = (uint16_t)i;
	r->source = NVMETRACE_SRC_REQUEST;
	r->retries = (uint8_t)(i % 4);
	snprintf(r->comm, sizeof(r->comm), "proc%u", i % 10);
	snprintf(r->disk, sizeof(r->disk), "nvme%un1", i % 3);
	for (int b = 0; b < NVME_SQE_SIZE; b++)
		r->sqe[b] = (uint8_t)(i * 31 + b);
}

static struct capture_info info = {
	.flags = CAPTURE_F_ALL,
	.mono_to_real_ns = 1700000000000000000ll,
	.start_ns = 42,
	.nvmetrace_version = "9.9.9",
	.kernel_release = "6.1.0-test",
	.hostname = "host-with-a-rather-long-name",
};

static void write_file(unsigned n)
{
	struct nvmetrace_record r;
	FILE *f = capture_create(path, &info);

	for (unsigned i = 0; f && i < n; i++) {
		make_record(&r, i);
		capture_write_record(f, &r);
	}
	if (f)
		fclose(f);
}

/* Read the whole file; returns the status that ended it, *n records. */
static enum capture_status read_all(unsigned *n, int *open_failed, char *why, size_t len)
{
	struct nvmetrace_record r, want;
	struct capture_reader rd;
	enum capture_status st;
	FILE *f = fopen(path, "rb");

	*n = 0;
	*open_failed = capture_open(&rd, f, why, len);
	if (*open_failed) {
		fclose(f);
		return CAPTURE_IO_ERROR;
	}
	while ((st = capture_next(&rd, &r)) == CAPTURE_OK) {
		make_record(&want, *n);
		if (memcmp(&r, &want, sizeof(r)))
			break;
		(*n)++;
	}
	fclose(f);
	return st;
}

static void test_round_trip(void)
{
	struct capture_reader rd;
	struct stat st_buf;
	unsigned n;
	int failed;
	char why[160];
	FILE *f;

	write_file(NREC);
	CHECK(read_all(&n, &failed, why, sizeof(why)) == CAPTURE_END && n == NREC,
	      "capture round trip: %u records identical, clean end", NREC);
	f = fopen(path, "rb");
	capture_open(&rd, f, why, sizeof(why));
	fclose(f);
	CHECK(rd.info.version == CAPTURE_VERSION && rd.info.flags == CAPTURE_F_ALL &&
	      rd.info.mono_to_real_ns == info.mono_to_real_ns && rd.info.start_ns == 42 &&
	      !strcmp(rd.info.nvmetrace_version, "9.9.9") &&
	      !strcmp(rd.info.kernel_release, "6.1.0-test") &&
	      !strcmp(rd.info.hostname, info.hostname),
	      "capture header round trip");
	CHECK(!stat(path, &st_buf) && (st_buf.st_mode & 0777) == 0600, "capture file mode 0600");
	/* An existing file with wider permissions becomes 0600 too. */
	chmod(path, 0666);
	write_file(1);
	CHECK(!stat(path, &st_buf) && (st_buf.st_mode & 0777) == 0600,
	      "capture over an existing 0666 file is 0600");
}

/* A FIFO (as a device like /dev/null) is written to, not made 0600: it
 * is not the capture's own file. Its reader gets the header.
 */
static void test_fifo(void)
{
	char dir[] = "/tmp/nvmetrace-fifo-XXXXXX", fifo[64];
	struct capture_reader rd;
	struct stat st_buf;
	char why[160];
	FILE *f = NULL, *in = NULL;
	int rfd = -1;
	bool ok;

	if (!mkdtemp(dir)) {
		CHECK(0, "capture to a FIFO: cannot create a temporary directory");
		return;
	}
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	/* Opened for reading first, without blocking, so that the write
	 * side's open does not wait; the header fits in the pipe.
	 */
	if (mkfifo(fifo, 0644) || chmod(fifo, 0644) ||
	    (rfd = open(fifo, O_RDONLY | O_NONBLOCK)) < 0) {
		CHECK(0, "capture to a FIFO: cannot make one in %s", dir);
		goto out;
	}
	f = capture_create(fifo, &info);
	CHECK(f != NULL, "capture to a FIFO: created");
	CHECK(!stat(fifo, &st_buf) && S_ISFIFO(st_buf.st_mode) && (st_buf.st_mode & 0777) == 0644,
	      "capture to a FIFO: its mode stays 0644");
	if (f)
		fclose(f);
	f = NULL;
	fcntl(rfd, F_SETFL, 0);
	in = fdopen(rfd, "rb");
	if (in)
		rfd = -1;
	ok = in && !capture_open(&rd, in, why, sizeof(why)) && rd.info.start_ns == 42;
	CHECK(ok, "capture to a FIFO: its reader gets the header");
out:
	if (in)
		fclose(in);
	if (rfd >= 0)
		close(rfd);
	unlink(fifo);
	rmdir(dir);
}

static void test_truncated(void)
{
	size_t rec = 8 + sizeof(struct nvmetrace_record);
	/* Cut inside the frame, inside the record, exactly at a boundary. */
	static const size_t cuts[] = { 3, 8, 9, 100 };
	unsigned n;
	int failed;
	char why[160];

	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		write_file(10);
		truncate(path, CAPTURE_HEADER_SIZE + 7 * rec + cuts[c]);
		CHECK(read_all(&n, &failed, why, sizeof(why)) == CAPTURE_TRUNCATED && n == 7,
		      "truncated capture (record 8 cut after %zu bytes): 7 records kept", cuts[c]);
	}
	write_file(10);
	truncate(path, CAPTURE_HEADER_SIZE + 7 * rec);
	CHECK(read_all(&n, &failed, why, sizeof(why)) == CAPTURE_END && n == 7,
	      "capture cut at a record boundary: clean end after 7");
	write_file(10);
	truncate(path, 100);
	read_all(&n, &failed, why, sizeof(why));
	CHECK(failed && !strcmp(why, "truncated header (100 of 256 bytes)"),
	      "truncated header: '%s'", why);
}

static void flip(long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x40, f);
	fclose(f);
}

static void test_corrupt(void)
{
	size_t rec = 8 + sizeof(struct nvmetrace_record);
	unsigned n;
	int failed;
	char why[160];

	write_file(10);
	flip(CAPTURE_HEADER_SIZE + 4 * rec + 8 + 50);	/* inside record 5 */
	CHECK(read_all(&n, &failed, why, sizeof(why)) == CAPTURE_CORRUPT && n == 4,
	      "corrupted record 5: CRC catches it, 4 records kept");
	write_file(10);
	flip(CAPTURE_HEADER_SIZE + 2 * rec + 1);		/* record 3's length */
	CHECK(read_all(&n, &failed, why, sizeof(why)) == CAPTURE_CORRUPT && n == 2,
	      "corrupted frame length: 2 records kept");
	write_file(10);
	flip(70);						/* kernel release */
	read_all(&n, &failed, why, sizeof(why));
	CHECK(failed && !strcmp(why, "corrupted header (CRC mismatch)"), "corrupted header: '%s'", why);
}

static void test_foreign(void)
{
	unsigned char h[CAPTURE_HEADER_SIZE];
	unsigned n;
	int failed;
	char why[160];
	uint16_t v = CAPTURE_VERSION + 1;
	FILE *f;

	f = fopen(path, "wb");
	fputs("#!/bin/sh\necho this is not a capture\n", f);
	fclose(f);
	read_all(&n, &failed, why, sizeof(why));
	CHECK(failed && !strcmp(why, "not an nvmetrace capture file"), "foreign file: '%s'", why);

	f = fopen(path, "wb");
	fclose(f);
	read_all(&n, &failed, why, sizeof(why));
	CHECK(failed && !strcmp(why, "not an nvmetrace capture file"), "empty file: '%s'", why);

	/* A newer format version is refused, whatever follows. */
	write_file(3);
	f = fopen(path, "r+b");
	fread(h, 1, sizeof(h), f);
	memcpy(h + 8, &v, 2);
	fseek(f, 0, SEEK_SET);
	fwrite(h, 1, sizeof(h), f);
	fclose(f);
	read_all(&n, &failed, why, sizeof(why));
	CHECK(failed && !strcmp(why, "written by a newer nvmetrace (capture format 2; this one reads format 1)"),
	      "newer format: '%s'", why);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		printf("FAIL unit capture: cannot create a temporary file\n");
		return 1;
	}
	close(fd);
	test_round_trip();
	test_fifo();
	test_truncated();
	test_corrupt();
	test_foreign();
	unlink(path);
	return UNIT_DONE();
}
