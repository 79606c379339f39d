// SPDX-License-Identifier: GPL-2.0
/*
 * bench-empty PROGRAM...: attach programs of bench/empty.bpf.c (an empty
 * kprobe on nvme_submit_user_cmd or tp_btf on nvme:nvme_setup_cmd, the empty
 * programs on every -a hook, or one of the floor_* ladder on nvme_setup_cmd),
 * drain the ring buffer, and wait for SIGINT/SIGTERM; prints "attached" once
 * it is, then where its start went: "phases main_ms=... open_ms=...
 * load_ms=... attach_ms=... btf_ms=...", from exec to main, the skeleton's
 * open, load and attach, and (measured after, apart) one parse of the
 * kernel's BTF, which libbpf does during the load. For `make bench`.
 *
 * bench-empty --print FILE PROGRAM...: the same, and each record the ring
 * buffer brings (floor_rec's) printed to FILE as a line of text: the least
 * a tracer that prints every command must add to floor_rec (see
 * print_record()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"
#include "../src/digits.h"
#include "../src/record.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	return 0;
}

/* --print: lines gather here and go out in one write() when it fills. */
static char out_buf[1 << 16];
static size_t out_len;
static int out_fd = -1;

static void out_flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < out_len && (n = write(out_fd, out_buf + off, out_len - off)) > 0)
		off += n;
	out_len = 0;
}

/* The same name for the same disk: floor_rec sends the gendisk's address
 * (a reader names each disk once); one entry, as one disk is read here.
 */
static uint64_t disk_addr;
static char disk_text[8] = "nvme0n1";

/* The least text a line can carry of what nvmetrace -a shows of a
 * command, with nvmetrace's own number writers (src/digits.h) and none of
 * its care: the time in whole seconds, the submitter's name and pid, the
 * opcode, command id, nsid, cdw10, status, the latency in ns, and the disk
 * with the name of a flush, write or read and a write's or read's LBA and
 * block count, or an admin command's controller (no name, no fields); one
 * space apart, no columns, no check that the name is printable, no
 * decoding beyond that. A floor for -a's formatting, not a format anyone
 * would read.
 */
static int print_record(void *ctx, void *data, size_t size)
{
	static const char names[][8] = { "Flush", "Write", "Read" };
	const struct nvmetrace_record *r = data;
	char *p = out_buf + out_len;
	uint32_t nsid, cdw10, cdw12;
	uint64_t slba;
	size_t n;

	if (size < sizeof(*r))
		return 0;
	memcpy(&nsid, r->sqe + 4, 4);
	memcpy(&cdw10, r->sqe + 40, 4);
	p += u64_write(p, r->ts_ns / 1000000000);
	*p++ = ' ';
	n = strnlen(r->comm, sizeof(r->comm));
	memcpy(p, r->comm, sizeof(r->comm));
	p += n;
	*p++ = ' ';
	p += u64_write(p, r->pid);
	*p++ = ' ';
	p += hex_write(p, r->sqe[0]);
	*p++ = ' ';
	p += hex_write(p, (uint16_t)(r->sqe[2] | r->sqe[3] << 8));
	*p++ = ' ';
	p += u64_write(p, nsid);
	*p++ = ' ';
	p += hex_write(p, cdw10);
	*p++ = ' ';
	p += hex_write(p, (uint32_t)r->status);
	*p++ = ' ';
	p += u64_write(p, r->latency_ns);
	*p++ = ' ';
	if (*(const uint64_t *)r->disk) {
		if (*(const uint64_t *)r->disk != disk_addr)
			disk_addr = *(const uint64_t *)r->disk;
		memcpy(p, disk_text, 8);
		p += 7;
		*p++ = ' ';
		if (r->sqe[0] <= 2) {
			memcpy(p, names[r->sqe[0]], 8);
			p += strlen(names[r->sqe[0]]);
			if (r->sqe[0]) {
				memcpy(&slba, r->sqe + 40, 8);
				memcpy(&cdw12, r->sqe + 48, 4);
				memcpy(p, " slba=", 6);
				p += 6 + u64_write(p + 6, slba);
				memcpy(p, " nlb=", 5);
				p += 5 + u64_write(p + 5, (cdw12 & 0xffff) + 1);
			}
		}
	} else {
		memcpy(p, "nvme", 4);
		p += 4 + u64_write(p + 4, (uint32_t)r->ctrl);
	}
	*p++ = '\n';
	out_len = p - out_buf;
	if (out_len > sizeof(out_buf) - 512)
		out_flush();
	return 0;
}

static double now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Milliseconds since this process was started (exec), in CLOCK_BOOTTIME,
 * at /proc's resolution (a clock tick); -1 if unknown.
 */
static double since_exec_ms(void)
{
	unsigned long long start;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int i;

	if (f)
		fclose(f);
	buf[n] = '\0';
	/* Field 22 (starttime), counted after the command's ")". */
	p = strrchr(buf, ')');
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &start) != 1)
		return -1;
	return now_ms(CLOCK_BOOTTIME) - start * 1e3 / sysconf(_SC_CLK_TCK);
}

/* One parse of the kernel's BTF, as libbpf does while loading. */
static double btf_parse_ms(void)
{
	double t = now_ms(CLOCK_MONOTONIC);
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return -1;
	btf__free(btf);
	return now_ms(CLOCK_MONOTONIC) - t;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct bpf_program *prog, *want = NULL;
	struct empty_bpf *skel;
	double t_main = since_exec_ms(), t0, t_open, t_load, t_attach;
	int err, wanted = 0;

	if (argc > 2 && !strcmp(argv[1], "--print")) {
		out_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			fprintf(stderr, "bench-empty: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	t0 = now_ms(CLOCK_MONOTONIC);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = empty_bpf__open();
	t_open = now_ms(CLOCK_MONOTONIC);
	if (!skel) {
		fprintf(stderr, "bench-empty: failed to open BPF object\n");
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		bool it = false;
		int i;

		for (i = 1; i < argc; i++)
			it |= !strcmp(bpf_program__name(prog), argv[i]);
		bpf_program__set_autoload(prog, it);
		if (it)
			want = prog;
		wanted += it;
	}
	if (!want || wanted != argc - 1) {
		fprintf(stderr, "usage: bench-empty [--print FILE] PROGRAM... (programs of bench/empty.bpf.c)\n");
		empty_bpf__destroy(skel);
		return 2;
	}
	err = empty_bpf__load(skel);
	t_load = now_ms(CLOCK_MONOTONIC);
	if (!err)
		err = empty_bpf__attach(skel);
	t_attach = now_ms(CLOCK_MONOTONIC);
	if (!err) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_rb),
				      out_fd >= 0 ? print_record : on_record, NULL, NULL);
		if (!rb)
			err = -errno;
	}
	if (err) {
		fprintf(stderr, "bench-empty: failed to load and attach %s: %s\n",
			argv[1], strerror(-err));
		empty_bpf__destroy(skel);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	printf("phases main_ms=%.0f open_ms=%.1f load_ms=%.1f attach_ms=%.1f btf_ms=%.1f\n",
	       t_main, t_open - t0, t_load - t_open, t_attach - t_load, btf_parse_ms());
	fflush(stdout);
	/* The ladder submits without wakeups: read what is there every
	 * 100 ms, as often as nvmetrace's reader wakes on its own (poll
	 * only reads a ring it was woken for).
	 */
	while (!stop) {
		err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR)
			break;
		usleep(100000);
	}
	ring_buffer__free(rb);
	if (out_fd >= 0)
		out_flush();
	if (skel->bss->floor_lost)
		fprintf(stderr, "bench-empty: %llu not recorded\n",
			(unsigned long long)skel->bss->floor_lost);
	empty_bpf__destroy(skel);
	return 0;
}
