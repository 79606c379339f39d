// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/btf.h>
#include "feature.h"
#include "kernel.h"
#include "list.h"
#include "trace.h"

/* The seeds' `bpftrace -l | grep 'nvme.*cmd'`. */
#define DEFAULT_FUNC_GLOB "*nvme*cmd*"
#define MAX_POINTS 4096

struct point {
	char name[128];
	char module[KSYM_MODULE_LEN];
};

/* Attach points nvmetrace itself uses. */
static const char *const used_points[] = {
	SUBMIT_FUNC,			/* default: passthrough calls */
	"nvme:nvme_setup_cmd",		/* -a */
	"nvme:nvme_complete_rq",	/* -a */
	"block:block_rq_insert",	/* -a: who submitted */
};

static bool is_used(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(used_points) / sizeof(used_points[0]); i++)
		if (!strcmp(used_points[i], name))
			return true;
	return false;
}

static int point_cmp(const void *a, const void *b)
{
	const struct point *pa = a, *pb = b;
	int r = strcmp(pa->name, pb->name);

	return r ? r : strcmp(pa->module, pb->module);
}

/* Kernel functions matching glob: from tracefs' available_filter_functions
 * (the functions kprobes and fentry can hook), else from /proc/kallsyms.
 */
static int collect_functions(const char *glob, struct point *pts, int max)
{
	char path[256], line[512], name[128], mod[KSYM_MODULE_LEN + 2], type;
	const char *tracefs = tracefs_dir();
	bool kallsyms = true;
	FILE *f = NULL;
	int n = 0, i, k;

	if (tracefs) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", tracefs);
		f = fopen(path, "re");
		kallsyms = !f;
	}
	if (!f)
		f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		mod[0] = '\0';
		if (kallsyms) {
			if (sscanf(line, "%*s %c %127s %65s", &type, name, mod) < 2 ||
			    (type != 't' && type != 'T'))
				continue;
		} else if (sscanf(line, "%127s %65s", name, mod) < 1) {
			continue;
		}
		if (fnmatch(glob, name, 0))
			continue;
		snprintf(pts[n].name, sizeof(pts[n].name), "%s", name);
		mod[strcspn(mod, "]")] = '\0';
		snprintf(pts[n].module, sizeof(pts[n].module), "%s",
			 mod[0] == '[' ? mod + 1 : "");
		n++;
	}
	fclose(f);
	qsort(pts, n, sizeof(*pts), point_cmp);
	/* A static function may be listed once per copy. */
	for (i = k = 0; i < n; i++)
		if (!k || point_cmp(&pts[k - 1], &pts[i]))
			pts[k++] = pts[i];
	return k;
}

/* Tracepoints of the nvme group (and any other group if glob asks). */
static int collect_tracepoints(const char *glob, struct point *pts, int max)
{
	char path[256], full[300];
	const char *tracefs = tracefs_dir();
	struct dirent *g, *e;
	DIR *gd, *ed;
	int n = 0;

	if (!tracefs)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/events", tracefs);
	gd = opendir(path);
	if (!gd)
		return -errno;
	while ((g = readdir(gd))) {
		if (g->d_name[0] == '.' || g->d_type != DT_DIR)
			continue;
		if (!glob && strcmp(g->d_name, "nvme"))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", tracefs, g->d_name);
		ed = opendir(path);
		if (!ed)
			continue;
		while (n < max && (e = readdir(ed))) {
			if (e->d_name[0] == '.' || e->d_type != DT_DIR)
				continue;
			snprintf(full, sizeof(full), "%s:%s", g->d_name, e->d_name);
			if (glob && fnmatch(glob, full, 0) && fnmatch(glob, e->d_name, 0))
				continue;
			snprintf(pts[n].name, sizeof(pts[n].name), "%s", full);
			/* Its module owns the __tracepoint_<event> symbol. */
			snprintf(full, sizeof(full), "__tracepoint_%s", e->d_name);
			if (!ksym_find(full, false, pts[n].module))
				pts[n].module[0] = '\0';
			n++;
		}
		closedir(ed);
	}
	closedir(gd);
	qsort(pts, n, sizeof(*pts), point_cmp);
	return n;
}

/* Can fentry attach to func? Tried for real with an empty program. */
static void fentry_verdict(const struct point *p, char *buf, size_t len)
{
	struct kernel_btf_id id = { .name = p->name, .kind = BTF_KIND_FUNC,
				    .vmlinux = !p->module[0] };
	bool loaded;
	int err;

	if (!have_kernel_btf(p->module[0] ? p->module : NULL)) {
		snprintf(buf, len, "no BTF");
		return;
	}
	err = kernel_module_btf_ids_parsed(p->module, &id, 1);
	if (err < 0 || id.id <= 0 || id.nargs < 0) {
		snprintf(buf, len, "no BTF for it");
		goto out;
	}
	err = feature_fentry_id(id.obj_fd, id.id, &loaded);
	if (!err)
		snprintf(buf, len, "yes");
	else
		snprintf(buf, len, "no (%d args, %s)", id.nargs, errno_name(err));
out:
	if (id.obj_fd > 0)
		close(id.obj_fd);
}

static const char *tp_btf_verdict(const struct point *p)
{
	const char *event = strchr(p->name, ':');

	return kernel_tp_has_btf(event ? event + 1 : p->name, p->module) ? "yes" : "no BTF";
}

int list_run(const char *pattern)
{
	static struct point pts[MAX_POINTS];
	bool probe = have_trace_privilege();
	char verdict[64];
	int n, i;

	n = collect_functions(pattern ? pattern : DEFAULT_FUNC_GLOB, pts, MAX_POINTS);
	if (n < 0) {
		fprintf(stderr, "nvmetrace: failed to read kernel functions: %s\n",
			strerror(-n));
		return 1;
	}
	printf("%-10s %-40s %-12s %-4s %s\n", "KIND", "NAME", "MODULE", "USED",
	       "FENTRY/TP_BTF");
	for (i = 0; i < n; i++) {
		if (probe)
			fentry_verdict(&pts[i], verdict, sizeof(verdict));
		else
			snprintf(verdict, sizeof(verdict), "? (needs root)");
		printf("%-10s %-40s %-12s %-4s %s\n", "function", pts[i].name,
		       pts[i].module[0] ? pts[i].module : "vmlinux",
		       is_used(pts[i].name) ? "yes" : "-", verdict);
	}
	n = collect_tracepoints(pattern, pts, MAX_POINTS);
	if (n < 0) {
		fprintf(stderr, "nvmetrace: tracefs is not mounted: tracepoints not listed "
			"(mount -t tracefs nodev /sys/kernel/tracing)\n");
		return 0;
	}
	for (i = 0; i < n; i++)
		printf("%-10s %-40s %-12s %-4s %s\n", "tracepoint", pts[i].name,
		       pts[i].module[0] ? pts[i].module : "vmlinux",
		       is_used(pts[i].name) ? "yes" : "-", tp_btf_verdict(&pts[i]));
	fflush(stdout);
	return 0;
}
