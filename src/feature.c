// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel features learnt by trying, with a separate, empty BPF object
 * (bpf/probe.bpf.c): cheaper than finding out with the tracing programs,
 * whose load creates every map and verifies every program first.
 */
#include <errno.h>
#include <bpf/libbpf.h>
#include "feature.h"
#include "probe.skel.h"

int feature_fentry(const char *func)
{
	struct probe_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = probe_bpf__open();
	if (!skel)
		return -errno;
	err = bpf_program__set_attach_target(skel->progs.nvmetrace_probe, 0, func);
	if (!err)
		err = probe_bpf__load(skel);
	if (!err) {
		link = bpf_program__attach(skel->progs.nvmetrace_probe);
		err = link ? 0 : -errno;
		bpf_link__destroy(link);
	}
	probe_bpf__destroy(skel);
	return err;
}
