// SPDX-License-Identifier: GPL-2.0
/*
 * bench-empty: attach one empty BPF program (kprobe on nvme_submit_user_cmd
 * or tp_btf on nvme:nvme_setup_cmd) and wait for SIGINT/SIGTERM; prints
 * "attached" once it is. For `make bench` only.
 */
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

int main(int argc, char **argv)
{
	struct empty_bpf *skel;
	bool kprobe;
	int err;

	if (argc != 2 || (strcmp(argv[1], "kprobe") && strcmp(argv[1], "tp_btf"))) {
		fprintf(stderr, "usage: bench-empty kprobe|tp_btf\n");
		return 2;
	}
	kprobe = !strcmp(argv[1], "kprobe");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "bench-empty: failed to open BPF object\n");
		return 1;
	}
	bpf_program__set_autoload(skel->progs.empty_kprobe, kprobe);
	bpf_program__set_autoload(skel->progs.empty_tp_btf, !kprobe);
	err = empty_bpf__load(skel);
	if (!err)
		err = empty_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "bench-empty: failed to load and attach: %s\n", strerror(-err));
		empty_bpf__destroy(skel);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	empty_bpf__destroy(skel);
	return 0;
}
