// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "kernel.h"
#include "output.h"
#include "trace.h"
#include "nvmetrace.skel.h"

/* How long one ring_buffer__poll() may sleep before we look at the signal
 * flag again; signals interrupt it earlier anyway.
 */
#define POLL_TIMEOUT_MS 200

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct session {
	struct nvmetrace_bpf *skel;
	struct ring_buffer *rb;
	const struct output *out;
	struct clock_ref clock;
	enum attach_mode method;
	char module[KSYM_MODULE_LEN];
};

static int handle_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	if (size < sizeof(struct nvmetrace_record))
		return 0;
	s->out->record(stdout, data, &s->clock);
	return 0;
}

/* Explain why an fentry attach could not work, for -v and for the error
 * of --attach=fentry.
 */
static void fentry_reason(const struct session *s, int err, char *buf, size_t len)
{
	int nargs;

	if (!have_kernel_btf(NULL)) {
		snprintf(buf, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return;
	}
	if (s->module[0] && !have_kernel_btf(s->module)) {
		snprintf(buf, len, "module %s has no BTF", s->module);
		return;
	}
	nargs = kernel_func_nargs(SUBMIT_FUNC, s->module);
	if (err == -ESRCH || nargs == -ENOENT) {
		snprintf(buf, len, "no BTF for %s", SUBMIT_FUNC);
		return;
	}
	/* x86 BPF trampolines take at most 6 arguments before Linux 6.6
	 * (commit 473e3150e30a); the attach fails with ENOTSUPP.
	 */
	if (err == -524 && nargs > 6) {
		snprintf(buf, len, "%s has %d arguments, more than this kernel's "
			 "BPF trampolines take (%s)", SUBMIT_FUNC, nargs, errno_name(err));
		return;
	}
	snprintf(buf, len, "%s: %s", errno_name(err), strerror(-err > 0 && -err < 512 ? -err : EINVAL));
}

static void session_close(struct session *s)
{
	ring_buffer__free(s->rb);
	s->rb = NULL;
	nvmetrace_bpf__destroy(s->skel);
	s->skel = NULL;
}

/* Open, load and attach the program for one method. On failure the session
 * is left closed and a negative errno is returned.
 */
static int session_attach(struct session *s, enum attach_mode method)
{
	struct bpf_program *use, *skip;
	struct bpf_link *link;
	int err;

	s->skel = nvmetrace_bpf__open();
	if (!s->skel)
		return -errno;
	if (method == ATTACH_FENTRY) {
		use = s->skel->progs.nvmetrace_fe;
		skip = s->skel->progs.nvmetrace_kp;
	} else {
		use = s->skel->progs.nvmetrace_kp;
		skip = s->skel->progs.nvmetrace_fe;
	}
	bpf_program__set_autoload(skip, false);
	if (env.ringbuf_bytes)
		bpf_map__set_max_entries(s->skel->maps.nvmetrace_rb, env.ringbuf_bytes);
	err = nvmetrace_bpf__load(s->skel);
	if (err)
		goto fail;
	link = bpf_program__attach(use);
	if (!link) {
		err = -errno;
		goto fail;
	}
	/* The skeleton destroys the link, and so detaches, on close. */
	if (method == ATTACH_FENTRY)
		s->skel->links.nvmetrace_fe = link;
	else
		s->skel->links.nvmetrace_kp = link;
	s->method = method;
	return 0;
fail:
	session_close(s);
	return err ? err : -EINVAL;
}

static int attach_error(int err, const char *method)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "nvmetrace: failed to attach %s to %s: permission denied "
			"(needs root, or CAP_BPF and CAP_PERFMON; is kernel lockdown on?)\n",
			method, SUBMIT_FUNC);
	else
		fprintf(stderr, "nvmetrace: failed to attach %s to %s: %s (%s)\n",
			method, SUBMIT_FUNC, strerror(-err > 0 && -err < 512 ? -err : EINVAL),
			errno_name(err));
	return 1;
}

/* Pick and attach the method: fentry where the kernel allows it, kprobe
 * otherwise. Decided by trying, never from the kernel version.
 */
static int session_start(struct session *s)
{
	char why[256] = "";
	int err;

	if (env.attach != ATTACH_KPROBE) {
		if (!have_kernel_btf(NULL) || (s->module[0] && !have_kernel_btf(s->module)))
			err = -ESRCH;	/* don't let libbpf fail noisily */
		else
			err = session_attach(s, ATTACH_FENTRY);
		if (!err) {
			if (env.verbose)
				fprintf(stderr, "nvmetrace: attached to %s by fentry\n", SUBMIT_FUNC);
			return 0;
		}
		fentry_reason(s, err, why, sizeof(why));
		if (env.attach == ATTACH_FENTRY) {
			fprintf(stderr, "nvmetrace: failed to attach fentry to %s: %s\n",
				SUBMIT_FUNC, why);
			return 1;
		}
	}
	err = session_attach(s, ATTACH_KPROBE);
	if (err)
		return attach_error(err, "kprobe");
	if (env.verbose) {
		if (env.attach == ATTACH_KPROBE)
			fprintf(stderr, "nvmetrace: attached to %s by kprobe (--attach=kprobe)\n",
				SUBMIT_FUNC);
		else
			fprintf(stderr, "nvmetrace: attached to %s by kprobe (fentry unavailable: %s)\n",
				SUBMIT_FUNC, why);
	}
	return 0;
}

int trace_run(void)
{
	struct session s = { .out = &output_table };
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 lost;
	int err, ret = 1;

	/* No SA_RESTART: a signal must wake ring_buffer__poll() at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!have_trace_privilege()) {
		fprintf(stderr, "nvmetrace: permission denied: tracing needs root, "
			"or CAP_BPF and CAP_PERFMON (try sudo)\n");
		return 1;
	}
	if (!ksym_find(SUBMIT_FUNC, true, s.module)) {
		fprintf(stderr, "nvmetrace: %s not found: is the nvme driver loaded?\n",
			SUBMIT_FUNC);
		return 1;
	}
	if (session_start(&s))
		return 1;

	s.rb = ring_buffer__new(bpf_map__fd(s.skel->maps.nvmetrace_rb),
				handle_record, &s, NULL);
	if (!s.rb) {
		fprintf(stderr, "nvmetrace: failed to create ring buffer: %s\n",
			strerror(errno));
		goto out;
	}
	clock_ref_init(&s.clock);
	s.out->header(stdout);
	fflush(stdout);

	while (!exiting) {
		err = ring_buffer__poll(s.rb, POLL_TIMEOUT_MS);
		if (err == -EINTR)
			continue;
		if (err < 0) {
			fprintf(stderr, "nvmetrace: failed to read ring buffer: %s\n",
				strerror(-err));
			goto out;
		}
		if (err > 0)
			fflush(stdout);
	}
	/* Records submitted before the signal are still due. */
	ring_buffer__consume(s.rb);
	fflush(stdout);
	ret = 0;
out:
	/* Detach first so the count is final. */
	nvmetrace_bpf__detach(s.skel);
	lost = s.skel->bss->lost_records;
	session_close(&s);
	if (lost)
		fprintf(stderr, "nvmetrace: lost %llu events\n", (unsigned long long)lost);
	return ret;
}
