// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs on the hooks nvmetrace uses: the floor `make bench` measures
 * per-event costs against (what the kernel charges to run any program there).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/nvme_submit_user_cmd")
int empty_kprobe(void *ctx)
{
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int empty_tp_btf(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
