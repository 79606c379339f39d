// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sigat: start a command with default signal dispositions (a shell's
 * background job inherits SIGINT ignored), send it a signal after a delay,
 * and wait for it with a time limit. The guest's start-up signal tests.
 *
 * usage: sigat USEC SIGNAL TIMEOUT_S CMD [ARG...]
 * prints on stderr: "sigat: caught=yes|no exit=N" or "caught=yes|no signal=N" or "timeout";
 * caught says whether CMD had a handler for SIGNAL when it was sent
 * (SigCgt in /proc/PID/status).
 * exit status: 0 if CMD ended within TIMEOUT_S, 124 if it had to be killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static int caught(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	fclose(f);
	return !!(mask & (1ull << (sig - 1)));
}

int main(int argc, char **argv)
{
	long usec, limit_ms, waited = 0;
	int sig, status, c;
	struct timespec ts;
	sigset_t none;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: sigat USEC SIGNAL TIMEOUT_S CMD [ARG...]\n");
		return 2;
	}
	usec = atol(argv[1]);
	sig = atoi(argv[2]);
	limit_ms = atol(argv[3]) * 1000;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	ts.tv_sec = usec / 1000000;
	ts.tv_nsec = (usec % 1000000) * 1000;
	nanosleep(&ts, NULL);
	c = caught(pid, sig);
	kill(pid, sig);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (waited >= limit_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "sigat: caught=%s timeout\n", c ? "yes" : "no");
			return 124;
		}
		usleep(10000);
		waited += 10;
	}
	if (WIFEXITED(status))
		fprintf(stderr, "sigat: caught=%s exit=%d\n", c ? "yes" : "no", WEXITSTATUS(status));
	else
		fprintf(stderr, "sigat: caught=%s signal=%d\n", c ? "yes" : "no", WTERMSIG(status));
	return 0;
}
