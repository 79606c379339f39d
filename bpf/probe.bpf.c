// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: an empty fentry program. User space retargets it with
 * bpf_program__set_attach_target() and tries to attach it, to learn whether
 * a kernel function can be traced by fentry on this kernel.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("fentry/nvme_submit_user_cmd")
int nvmetrace_probe(void *ctx)
{
	return 0;
}
