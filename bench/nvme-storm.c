// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-storm: issue Identify passthrough ioctls back to back and count them.
 * The passthrough workload of `make bench` and of the overload tests: every
 * ioctl is one call of nvme_submit_user_cmd, so the count printed is the
 * exact number of commands a tracer had to see.
 *
 * usage: nvme-storm [-t SECONDS | -n COUNT] [-c CDW10] [-s NSID] DEVICE
 * prints: issued=N ok=N failed=N seconds=S rate=R
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/nvme_ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "nvme-storm: invalid %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 0, count = 0, cdw10 = 1, nsid = 0;
	unsigned long issued = 0, ok = 0, failed = 0;
	static char buf[4096] __attribute__((aligned(4096)));
	struct nvme_admin_cmd cmd;
	double t0, t;
	int opt, fd;

	while ((opt = getopt(argc, argv, "t:n:c:s:")) != -1) {
		switch (opt) {
		case 't': seconds = parse(optarg, "seconds"); break;
		case 'n': count = parse(optarg, "count"); break;
		case 'c': cdw10 = parse(optarg, "cdw10"); break;
		case 's': nsid = parse(optarg, "nsid"); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || (!seconds == !count))
		goto usage;

	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "nvme-storm: failed to open %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	t0 = now();
	for (t = t0; !stop; ) {
		if (count && issued >= count)
			break;
		/* Checking the clock every 64 commands keeps it out of the rate. */
		if (seconds && !(issued & 63) && (t = now()) - t0 >= seconds)
			break;
		memset(&cmd, 0, sizeof(cmd));
		cmd.opcode = 0x06;		/* Identify */
		cmd.nsid = nsid;
		cmd.cdw10 = cdw10;		/* CNS 1: controller */
		cmd.addr = (unsigned long)buf;
		cmd.data_len = sizeof(buf);
		issued++;
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0)
			ok++;
		else
			failed++;
	}
	t = now() - t0;
	printf("issued=%lu ok=%lu failed=%lu seconds=%.3f rate=%.0f\n",
	       issued, ok, failed, t, t > 0 ? issued / t : 0.0);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: nvme-storm [-t SECONDS | -n COUNT] [-c CDW10] [-s NSID] DEVICE\n");
	return 2;
}
