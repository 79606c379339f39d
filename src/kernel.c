// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
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

static bool effective_caps(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &hdr, data) == 0;
}

bool have_trace_privilege(void)
{
	struct __user_cap_data_struct data[2] = {};

	if (!effective_caps(data))
		return geteuid() == 0;
	return cap_set(data, CAP_SYS_ADMIN) ||
	       (cap_set(data, CAP_BPF) && cap_set(data, CAP_PERFMON));
}

bool have_sys_admin(void)
{
	struct __user_cap_data_struct data[2] = {};

	if (!effective_caps(data))
		return geteuid() == 0;
	return cap_set(data, CAP_SYS_ADMIN);
}

/* One /proc/kallsyms line: "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]". */
static bool ksym_line(char *line, const char *name, size_t len, bool text,
		      char module[KSYM_MODULE_LEN])
{
	char *p = strchr(line, ' '), *mod;

	if (!p || !p[1] || p[2] != ' ' || strncmp(p + 3, name, len) ||
	    (p[3 + len] && p[3 + len] != '\t') || !!strchr("tT", p[1]) != text)
		return false;
	mod = strchr(p + 3 + len, '[');
	module[0] = '\0';
	if (mod)
		snprintf(module, KSYM_MODULE_LEN, "%.*s", (int)strcspn(mod + 1, "]"), mod + 1);
	return true;
}

/* /proc/kallsyms has 100,000 lines and more: read it in large blocks and
 * compare names without sscanf(), which took seconds under emulation.
 */
bool ksym_find(const char *name, bool text, char module[KSYM_MODULE_LEN])
{
	static char buf[1 << 16];
	size_t len = strlen(name), have = 0;
	bool found = false;
	char *line, *nl;
	ssize_t n;
	int fd;

	fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (!found && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += n;
		buf[have] = '\0';
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (ksym_line(line, name, len, text, module)) {
				found = true;
				break;
			}
		}
		/* Keep the partial last line; a line never fills the buffer. */
		have -= line - buf;
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	close(fd);
	return found;
}

bool kernel_module_loaded(const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", module);
	return access(path, F_OK) == 0;
}

bool have_kernel_btf(const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/btf/%s",
		 module && *module ? module : "vmlinux");
	return access(path, R_OK) == 0;
}

/* Parsed BTF, kept between lookups: parsing vmlinux BTF (5 MB and more)
 * is most of nvmetrace's start-up time, seconds under emulation.
 */
static struct btf *vmlinux_btf, *module_btf;
static char module_btf_name[KSYM_MODULE_LEN];

void kernel_btf_release(void)
{
	btf__free(module_btf);
	btf__free(vmlinux_btf);
	module_btf = vmlinux_btf = NULL;
	module_btf_name[0] = '\0';
}

/* Look name up in vmlinux BTF, or in the module's split BTF when module is
 * set. Returns its type id (>0) or a negative errno; *btfp is the BTF it was
 * looked up in (owned by the cache; NULL if it could not be loaded).
 */
static int btf_lookup(const char *module, const char *name, int kind, struct btf **btfp)
{
	int id;

	*btfp = NULL;
	if (!vmlinux_btf && !(vmlinux_btf = btf__load_vmlinux_btf()))
		return -errno;
	*btfp = vmlinux_btf;
	if (module && *module) {
		if (strcmp(module, module_btf_name)) {
			btf__free(module_btf);
			module_btf_name[0] = '\0';
			module_btf = btf__load_module_btf(module, vmlinux_btf);
			if (!module_btf) {
				*btfp = NULL;
				return -errno;
			}
			snprintf(module_btf_name, sizeof(module_btf_name), "%s", module);
		}
		*btfp = module_btf;
	}
	id = btf__find_by_name_kind(*btfp, name, kind);
	return id > 0 ? id : -ENOENT;
}

bool kernel_btf_home(const char *name, int kind, char module[KSYM_MODULE_LEN])
{
	/* The driver's core module (drivers/nvme/host: nvme-core), else
	 * built into the kernel.
	 */
	static const char *const homes[] = { NVME_CORE_MODULE, "" };
	struct btf *btf;
	size_t i;

	for (i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
		if (homes[i][0] && !have_kernel_btf(homes[i]))
			continue;
		if (btf_lookup(homes[i], name, kind, &btf) > 0) {
			snprintf(module, KSYM_MODULE_LEN, "%s", homes[i]);
			return true;
		}
	}
	return false;
}

int kernel_func_nargs(const char *func, const char *module)
{
	const struct btf_type *t;
	struct btf *btf;
	int id;

	id = btf_lookup(module, func, BTF_KIND_FUNC, &btf);
	if (id < 0)
		return id;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -ENOENT;
}

bool kernel_has_struct(const char *name, const char *module)
{
	struct btf *btf;

	return btf_lookup(module, name, BTF_KIND_STRUCT, &btf) > 0;
}

int kernel_tp_nargs(const char *event, const char *module)
{
	const struct btf_type *t;
	struct btf *btf;
	char name[160];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf_lookup(module, name, BTF_KIND_TYPEDEF, &btf);
	if (id < 0)
		return id;
	/* typedef void (*btf_trace_X)(void *__data, ARGS...); */
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? (int)btf_vlen(t) - 1 : -ENOENT;
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

int kernel_merged_btf_fd(const char *module)
{
	struct btf *base, *mod = NULL, *out = NULL;
	const char *raw;
	__u32 size, id, n;
	ssize_t w;
	int fd = -1, err = 0;

	base = btf__load_vmlinux_btf();
	if (!base)
		return -errno;
	mod = btf__load_module_btf(module, base);
	out = btf__new_empty();
	if (!mod || !out) {
		err = -errno;
		goto out;
	}
	/* Copied in id order, every type keeps its id. */
	n = btf__type_cnt(mod);
	for (id = 1; id < n; id++) {
		err = btf__add_type(out, mod, btf__type_by_id(mod, id));
		if (err < 0)
			goto out;
	}
	err = 0;
	raw = btf__raw_data(out, &size);
	fd = memfd_create("nvmetrace-btf", MFD_CLOEXEC);
	if (!raw || fd < 0) {
		err = -errno;
		goto out;
	}
	while (size) {
		w = write(fd, raw, size);
		if (w <= 0) {
			err = -errno;
			goto out;
		}
		raw += w;
		size -= (__u32)w;
	}
out:
	btf__free(out);
	btf__free(mod);
	btf__free(base);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

bool kernel_lockdown(char *mode, size_t len)
{
	char line[128], *a, *b;
	FILE *f;

	/* "none integrity [confidentiality]" (securityfs, Linux 5.4) */
	f = fopen("/sys/kernel/security/lockdown", "re");
	if (!f)
		return false;
	a = fgets(line, sizeof(line), f) ? strchr(line, '[') : NULL;
	fclose(f);
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return false;
	*b = '\0';
	snprintf(mode, len, "%s", a + 1);
	return strcmp(mode, "none") != 0;
}

int kernel_sysctl_int(const char *path)
{
	int v = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

bool nvme_device_present(int ctrl, const char *disk)
{
	char path[96];
	struct dirent *d;
	bool any = false;
	DIR *dir;

	if (disk) {
		snprintf(path, sizeof(path), "/sys/block/%s", disk);
		return access(path, F_OK) == 0;
	}
	if (ctrl >= 0) {
		snprintf(path, sizeof(path), "/sys/class/nvme/nvme%d", ctrl);
		return access(path, F_OK) == 0;
	}
	dir = opendir("/sys/class/nvme");
	if (!dir)
		return false;
	while (!any && (d = readdir(dir)))
		any = !strncmp(d->d_name, "nvme", 4);
	closedir(dir);
	return any;
}

const char *errno_name(int err)
{
	const char *name;

	/* A capture file's status may be any int, even INT_MIN. */
	if (err < 0)
		err = err == INT_MIN ? 0 : -err;
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
