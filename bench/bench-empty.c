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
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
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
		fprintf(stderr, "usage: bench-empty PROGRAM... (programs of bench/empty.bpf.c)\n");
		empty_bpf__destroy(skel);
		return 2;
	}
	err = empty_bpf__load(skel);
	t_load = now_ms(CLOCK_MONOTONIC);
	if (!err)
		err = empty_bpf__attach(skel);
	t_attach = now_ms(CLOCK_MONOTONIC);
	if (!err) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_rb), on_record, NULL, NULL);
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
	if (skel->bss->floor_lost)
		fprintf(stderr, "bench-empty: %llu not recorded\n",
			(unsigned long long)skel->bss->floor_lost);
	empty_bpf__destroy(skel);
	return 0;
}
