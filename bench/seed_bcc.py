#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The seeds' BCC tracer, as `make bench` runs it: a kprobe on
# nvme_submit_user_cmd copies comm, pid, opcode, command id, nsid and cdw10
# into a perf buffer (64 pages per CPU) and Python prints one line per
# command. Written for the benchmark after the seeds' description; it is the
# alternative nvmetrace is measured against, not part of nvmetrace.
from time import strftime
import signal
import sys

from bcc import BPF

PROGRAM = r"""
#include <uapi/linux/ptrace.h>

/* As the seeds do: the submission entry's layout, declared here (it is fixed
 * by the NVMe specification) instead of pulling in the kernel's nvme.h. */
struct nvme_common_command {
	__u8 opcode;
	__u8 flags;
	__u16 command_id;
	__le32 nsid;
	__le32 cdw2[2];
	__le64 metadata;
	__le64 dptr[2];
	__le32 cdw10;
	__le32 cdw11;
	__le32 cdw12;
	__le32 cdw13;
	__le32 cdw14;
	__le32 cdw15;
};

struct nvme_command {
	union {
		struct nvme_common_command common;
	};
};

struct event {
	u32 pid;
	char comm[16];
	u8 opcode;
	u16 command_id;
	u32 nsid;
	u32 cdw10;
};

BPF_PERF_OUTPUT(events);

int trace_nvme_submit_user_cmd(struct pt_regs *ctx, void *q, struct nvme_command *cmd)
{
	struct event ev = {};

	ev.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
	bpf_probe_read_kernel(&ev.opcode, sizeof(ev.opcode), &cmd->common.opcode);
	bpf_probe_read_kernel(&ev.command_id, sizeof(ev.command_id), &cmd->common.command_id);
	bpf_probe_read_kernel(&ev.nsid, sizeof(ev.nsid), &cmd->common.nsid);
	bpf_probe_read_kernel(&ev.cdw10, sizeof(ev.cdw10), &cmd->common.cdw10);
	events.perf_submit(ctx, &ev, sizeof(ev));
	return 0;
}
"""

lost = 0


def on_event(cpu, data, size):
	ev = b["events"].event(data)
	print("%-9s %-9s %-7s %-8x %-12x %-6x %-6x" % (
		strftime("%H:%M:%S"), ev.comm.decode(errors="replace"), ev.pid,
		ev.opcode, ev.command_id, ev.nsid, ev.cdw10))


def on_lost(count):
	global lost
	lost += count


b = BPF(text=PROGRAM)
b.attach_kprobe(event="nvme_submit_user_cmd", fn_name="trace_nvme_submit_user_cmd")
print("%-9s %-9s %-7s %-8s %-12s %-6s %-6s" % (
	"TIME", "COMM", "PID", "OPCODE", "COMMAND-ID", "NSID", "CDW10"))
sys.stdout.flush()
b["events"].open_perf_buffer(on_event, page_cnt=64, lost_cb=on_lost)
# SIGINT sets a flag the loop checks: a KeyboardInterrupt raised while
# perf_buffer_poll() is in a Python callback (nearly always, under load) is
# printed and dropped by ctypes, and the script ran on until killed.
stopping = False


def on_stop(signum, frame):
	global stopping
	stopping = True


signal.signal(signal.SIGINT, on_stop)
signal.signal(signal.SIGTERM, on_stop)
try:
	while not stopping:
		b.perf_buffer_poll(timeout=1000)
finally:
	sys.stdout.flush()
	print("lost %d events" % lost, file=sys.stderr)
