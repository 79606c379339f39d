// SPDX-License-Identifier: GPL-2.0
/*
 * bench-empty PROGRAM...: attach programs of bench/empty.bpf.c (an empty
 * kprobe on nvme_submit_user_cmd or tp_btf on nvme:nvme_setup_cmd, the empty
 * programs on every -a hook, or one of the floor_* ladder on nvme_setup_cmd),
 * drain the ring buffer, and wait for SIGINT/SIGTERM; prints "attached" once
 * it is. For `make bench`.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct bpf_program *prog, *want = NULL;
	struct empty_bpf *skel;
	int err, wanted = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = empty_bpf__open();
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
	if (!err)
		err = empty_bpf__attach(skel);
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
	/* The ladder submits without wakeups: read what is there every
	 * 10 ms (poll only reads a ring it was woken for).
	 */
	while (!stop) {
		err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR)
			break;
		usleep(10000);
	}
	ring_buffer__free(rb);
	if (skel->bss->floor_lost)
		fprintf(stderr, "bench-empty: %llu not recorded\n",
			(unsigned long long)skel->bss->floor_lost);
	empty_bpf__destroy(skel);
	return 0;
}
