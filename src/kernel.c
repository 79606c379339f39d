// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/capability.h>
#include <bpf/btf.h>
#include "kernel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define TRACEFS_MAGIC 0x74726163

static bool cap_set(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool have_trace_privilege(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return cap_set(data, CAP_SYS_ADMIN) ||
	       (cap_set(data, CAP_BPF) && cap_set(data, CAP_PERFMON));
}

bool ksym_find(const char *name, bool text, char module[KSYM_MODULE_LEN])
{
	char line[512], sym[256], mod[KSYM_MODULE_LEN + 2];
	bool found = false;
	FILE *f;
	char type;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = '\0';
		if (sscanf(line, "%*s %c %255s %65s", &type, sym, mod) < 2)
			continue;
		if (strcmp(sym, name) || !!strchr("tT", type) != text)
			continue;
		/* "[nvme_core]" -> "nvme_core" */
		if (mod[0] == '[') {
			mod[strcspn(mod, "]")] = '\0';
			snprintf(module, KSYM_MODULE_LEN, "%s", mod + 1);
		} else {
			module[0] = '\0';
		}
		found = true;
		break;
	}
	fclose(f);
	return found;
}

bool have_kernel_btf(const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/btf/%s",
		 module && *module ? module : "vmlinux");
	return access(path, R_OK) == 0;
}

/* Look name up in vmlinux BTF, or in the module's split BTF when module is
 * set. Returns its type id (>0) or a negative errno. Either way *btfp and
 * *basep hold what was loaded (maybe NULL): the caller frees it with btf_put().
 */
static int btf_lookup(const char *module, const char *name, int kind,
		      struct btf **btfp, struct btf **basep)
{
	struct btf *base, *btf;
	int id;

	*btfp = *basep = NULL;
	base = btf__load_vmlinux_btf();
	if (!base)
		return -errno;
	btf = base;
	if (module && *module) {
		btf = btf__load_module_btf(module, base);
		if (!btf) {
			id = -errno;
			btf__free(base);
			return id;
		}
	}
	*btfp = btf;
	*basep = base;
	id = btf__find_by_name_kind(btf, name, kind);
	return id > 0 ? id : -ENOENT;
}

static void btf_put(struct btf *btf, struct btf *base)
{
	if (btf != base)
		btf__free(btf);
	btf__free(base);
}

int kernel_func_nargs(const char *func, const char *module)
{
	const struct btf_type *t;
	struct btf *btf, *base;
	int id, n = -ENOENT;

	id = btf_lookup(module, func, BTF_KIND_FUNC, &btf, &base);
	if (id < 0)
		goto out;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_func_proto(t))
		n = btf_vlen(t);
out:
	btf_put(btf, base);
	return id < 0 ? id : n;
}

bool kernel_has_struct(const char *name, const char *module)
{
	struct btf *btf, *base;
	int id;

	id = btf_lookup(module, name, BTF_KIND_STRUCT, &btf, &base);
	btf_put(btf, base);
	return id > 0;
}

int kernel_tp_nargs(const char *event, const char *module)
{
	const struct btf_type *t;
	struct btf *btf, *base;
	char name[160];
	int id, n = -ENOENT;

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf_lookup(module, name, BTF_KIND_TYPEDEF, &btf, &base);
	if (id < 0)
		goto out;
	/* typedef void (*btf_trace_X)(void *__data, ARGS...); */
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t))
		n = btf_vlen(t) - 1;
out:
	btf_put(btf, base);
	return id < 0 ? id : n;
}

bool kernel_tp_has_btf(const char *event, const char *module)
{
	/* tp_btf programs are typed by the btf_trace_<event> typedef
	 * (Linux 5.5, commit ac4414b5ca47).
	 */
	return kernel_tp_nargs(event, module) >= 0;
}

const char *tracefs_dir(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing",
		"/sys/kernel/debug/tracing",
	};
	struct statfs st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!statfs(dirs[i], &st) && st.f_type == TRACEFS_MAGIC)
			return dirs[i];
	return NULL;
}

const char *errno_name(int err)
{
	const char *name;

	if (err < 0)
		err = -err;
	/* Kernel-internal errnos (include/linux/errno.h) that bpf() leaks. */
	switch (err) {
	case 524: return "ENOTSUPP";
	case 525: return "ETOOSMALL";
	case 526: return "ESERVERFAULT";
	case 527: return "EBADTYPE";
	}
	name = strerrorname_np(err);
	return name ? name : "unknown error";
}
