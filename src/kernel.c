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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
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

/* pread() all of len bytes at off; returns 0 or a negative errno. */
static int pread_all(int fd, void *buf, size_t len, __u64 off)
{
	ssize_t r;

	while (len) {
		r = pread(fd, buf, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		buf = (char *)buf + r;
		len -= (size_t)r;
		off += (__u64)r;
	}
	return 0;
}

/* A raw BTF file's header, checked against the file's size. */
static int btf_header_read(int fd, struct btf_header *h)
{
	struct stat st;
	int err;

	if ((err = pread_all(fd, h, sizeof(*h), 0)))
		return err;
	if (fstat(fd, &st))
		return -errno;
	if (h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    (__u64)h->hdr_len + h->type_off + h->type_len > (__u64)st.st_size ||
	    (__u64)h->hdr_len + h->str_off + h->str_len > (__u64)st.st_size)
		return -EINVAL;
	return 0;
}

/* What follows a BTF type record's header, by kind: a fixed part and a
 * part per vlen item (one table lookup a record: vmlinux has 100,000 and
 * more). -1: a kind not known here.
 */
static const signed char btf_kind_fixed[32] = {
	[BTF_KIND_INT] = 4, [BTF_KIND_PTR] = 0, [BTF_KIND_ARRAY] = sizeof(struct btf_array),
	[BTF_KIND_STRUCT] = 0, [BTF_KIND_UNION] = 0, [BTF_KIND_ENUM] = 0, [BTF_KIND_FWD] = 0,
	[BTF_KIND_TYPEDEF] = 0, [BTF_KIND_VOLATILE] = 0, [BTF_KIND_CONST] = 0,
	[BTF_KIND_RESTRICT] = 0, [BTF_KIND_FUNC] = 0, [BTF_KIND_FUNC_PROTO] = 0,
	[BTF_KIND_VAR] = 4, [BTF_KIND_DATASEC] = 0, [BTF_KIND_FLOAT] = 0,
	[17] = 4,	/* BTF_KIND_DECL_TAG (Linux 5.16) */
	[18] = 0,	/* BTF_KIND_TYPE_TAG (Linux 5.17) */
	[19] = 0,	/* BTF_KIND_ENUM64 (Linux 6.0) */
	[20 ... 31] = -1,
};
static const unsigned char btf_kind_item[32] = {
	[BTF_KIND_STRUCT] = sizeof(struct btf_member), [BTF_KIND_UNION] = sizeof(struct btf_member),
	[BTF_KIND_ENUM] = sizeof(struct btf_enum), [BTF_KIND_FUNC_PROTO] = sizeof(struct btf_param),
	[BTF_KIND_DATASEC] = sizeof(struct btf_var_secinfo),
	[19] = 12,	/* BTF_KIND_ENUM64: name, lo32, hi32 */
};

/* The size of the BTF type record at t (its header and what follows it),
 * or 0 for a kind not known here.
 */
static size_t btf_record_size(const struct btf_type *t)
{
	unsigned int kind = BTF_INFO_KIND(t->info);

	if (btf_kind_fixed[kind] < 0 || kind == BTF_KIND_UNKN)
		return 0;
	return sizeof(*t) + (size_t)btf_kind_fixed[kind] +
	       (size_t)BTF_INFO_VLEN(t->info) * btf_kind_item[kind];
}

/* A raw BTF file as the kernel exports it (/sys/kernel/btf), read whole,
 * with an index of its type records: one pass, none of a full parser's
 * work (kernel_core_btf_fd() copies a few hundred of its 100,000 and more
 * types, in a thread beside the object's open). A module's is split: its
 * ids and string offsets follow its base's.
 */
struct raw_btf {
	char *data;
	const char *types;
	const char *strs;
	__u32 str_len;
	__u32 *off;			/* record offset in types, by id - start */
	__u32 start;			/* first id: 1, or the base's next */
	__u32 next;			/* one past the last id */
	__u32 str_start;		/* 0, or the base's str_len */
	const struct raw_btf *base;
};

static void raw_btf_free(struct raw_btf *b)
{
	free(b->data);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

/* Index b->data (size bytes, malloc()ed, owned by b from here on). */
static int raw_btf_index(struct raw_btf *b, size_t size, const struct raw_btf *base)
{
	const struct btf_header *h = (const void *)b->data;
	size_t cap = 1 << 16, n = 0, rec, p;
	__u32 *off;

	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    (__u64)h->hdr_len + h->type_off + h->type_len > size ||
	    (__u64)h->hdr_len + h->str_off + h->str_len > size)
		return -EINVAL;
	b->types = b->data + h->hdr_len + h->type_off;
	b->strs = b->data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	/* Every name then ends within the section. */
	if (!h->str_len || b->strs[h->str_len - 1])
		return -EINVAL;
	b->base = base;
	b->start = base ? base->next : 1;
	b->str_start = base ? base->str_start + base->str_len : 0;
	if (!(b->off = malloc(cap * sizeof(*b->off))))
		return -ENOMEM;
	for (p = 0; p < h->type_len; p += rec, n++) {
		if (h->type_len - p < sizeof(struct btf_type) ||
		    !(rec = btf_record_size((const struct btf_type *)(b->types + p))) ||
		    h->type_len - p < rec)
			return -EINVAL;	/* a kind not known here, or cut short */
		if (n == cap) {
			if (!(off = realloc(b->off, 2 * cap * sizeof(*off))))
				return -ENOMEM;
			b->off = off;
			cap *= 2;
		}
		b->off[n] = (__u32)p;
	}
	b->next = b->start + (__u32)n;
	return 0;
}

/* From a raw BTF file. */
static int raw_btf_load(struct raw_btf *b, const char *path, const struct raw_btf *base)
{
	struct btf_header h;
	size_t size;
	int fd, err;

	memset(b, 0, sizeof(*b));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((err = btf_header_read(fd, &h)))
		goto out;
	size = (size_t)h.hdr_len + h.type_off + h.type_len;
	if ((size_t)h.hdr_len + h.str_off + h.str_len > size)
		size = (size_t)h.hdr_len + h.str_off + h.str_len;
	if (!(b->data = malloc(size)))
		err = -ENOMEM;
	else if (!(err = pread_all(fd, b->data, size, 0)))
		err = raw_btf_index(b, size, base);
out:
	close(fd);
	if (err)
		raw_btf_free(b);
	return err;
}

/* From a kernel BTF object's fd, in one BPF_OBJ_GET_INFO_BY_FD: reading
 * /sys/kernel/btf/vmlinux takes a syscall for every 4 KiB (kernfs), 1,300
 * and more of them, most of the time it takes under emulation.
 */
static int raw_btf_from_fd(struct raw_btf *b, int btf_fd, const struct raw_btf *base)
{
	struct bpf_btf_info info;
	__u32 len = sizeof(info), size;
	int err;

	memset(b, 0, sizeof(*b));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(btf_fd, &info, &len))
		return -errno;
	size = info.btf_size;
	if (!size || !(b->data = malloc(size)))
		return size ? -ENOMEM : -EINVAL;
	memset(&info, 0, sizeof(info));
	info.btf = (__u64)(unsigned long)b->data;
	info.btf_size = size;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(btf_fd, &info, &len))
		err = -errno;
	else if (info.btf_size != size)
		err = -EAGAIN;	/* not the BTF it was a moment ago */
	else
		err = raw_btf_index(b, size, base);
	if (err)
		raw_btf_free(b);
	return err;
}

static const struct btf_type *raw_type(const struct raw_btf *b, __u32 id)
{
	if (id < b->start)
		return b->base ? raw_type(b->base, id) : NULL;
	return id < b->next ? (const void *)(b->types + b->off[id - b->start]) : NULL;
}

/* A FUNC's arguments: its prototype's parameters, or -1. */
static int raw_func_nargs(const struct raw_btf *b, const struct btf_type *func)
{
	const struct btf_type *proto = raw_type(b, func->type);

	return proto && BTF_INFO_KIND(proto->info) == BTF_KIND_FUNC_PROTO ?
	       (int)BTF_INFO_VLEN(proto->info) : -1;
}

/* The name at off: NULL if none, or out of bounds. */
static const char *raw_name(const struct raw_btf *b, __u32 off)
{
	const char *s;

	if (off < b->str_start)
		return b->base ? raw_name(b->base, off) : NULL;
	off -= b->str_start;
	if (off >= b->str_len)
		return NULL;
	s = b->strs + off;	/* the section ends in a NUL (raw_btf_load()) */
	return *s ? s : NULL;
}

/* The BTF fds of vmlinux (unless vfd is NULL) and of a loaded module
 * (BPF_BTF_GET_NEXT_ID: CAP_SYS_ADMIN), in one pass over the kernel's BTF
 * objects. Returns 0 or a negative errno (-ENOENT: one is not there).
 */
static int kernel_btf_fds(const char *module, int *vfd, int *mfd)
{
	struct bpf_btf_info info;
	char name[64];
	__u32 id = 0, len;
	int fd, err = -ENOENT;
	bool kernel;

	if (vfd)
		*vfd = -1;
	*mfd = -1;
	while (!bpf_btf_get_next_id(id, &id)) {
		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)	/* gone meanwhile */
				continue;
			err = -errno;
			break;
		}
		memset(&info, 0, sizeof(info));
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		len = sizeof(info);
		kernel = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf;
		if (kernel && vfd && *vfd < 0 && !strcmp(name, "vmlinux"))
			*vfd = fd;
		else if (kernel && *mfd < 0 && !strcmp(name, module))
			*mfd = fd;
		else
			close(fd);
		if ((!vfd || *vfd >= 0) && *mfd >= 0)
			return 0;
	}
	if (errno && errno != ENOENT && err == -ENOENT)
		err = -errno;
	if (vfd && *vfd >= 0)
		close(*vfd);
	if (*mfd >= 0)
		close(*mfd);
	if (vfd)
		*vfd = -1;
	*mfd = -1;
	return err;
}

int kernel_module_btf_ids_parsed(const char *module, struct kernel_btf_id *ids, int n)
{
	struct btf *btf;
	int i, id, fd, err, found = 0;

	for (i = 0; i < n; i++) {
		ids[i].obj_fd = 0;
		id = btf_lookup(ids[i].vmlinux ? NULL : module, ids[i].name, ids[i].kind, &btf);
		ids[i].id = id > 0 ? id : 0;
		ids[i].nargs = id > 0 && ids[i].kind == BTF_KIND_FUNC ?
			       kernel_func_nargs(ids[i].name, ids[i].vmlinux ? NULL : module) : -1;
		found += id > 0 && !ids[i].vmlinux;
	}
	if (!found)
		return 0;
	if ((err = kernel_btf_fds(module, NULL, &fd)))
		fd = err;
	for (i = 0; i < n; i++) {
		if (ids[i].vmlinux)
			continue;
		if (fd < 0)
			ids[i].id = 0;
		else if (ids[i].id > 0)
			ids[i].obj_fd = fd;
	}
	return fd < 0 ? fd : found;
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

/* btf's raw data in a new memfd (for libbpf's btf_custom_path): its fd,
 * or -errno.
 */
static int btf_memfd(const struct btf *btf, const char *name)
{
	const char *raw;
	__u32 size;
	ssize_t w;
	int fd;

	raw = btf__raw_data(btf, &size);
	if (!raw)
		return -errno;
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (size) {
		w = write(fd, raw, size);
		if (w <= 0) {
			w = w ? -errno : -EIO;
			close(fd);
			return (int)w;
		}
		raw += w;
		size -= (__u32)w;
	}
	return fd;
}

int kernel_merged_btf_fd(const char *module)
{
	struct btf *base, *mod = NULL, *out = NULL;
	int fd = -1, err = 0;
	__u32 id, n;

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
	fd = btf_memfd(out, "nvmetrace-btf");
	err = fd < 0 ? fd : 0;
out:
	btf__free(out);
	btf__free(mod);
	btf__free(base);
	return err ? err : fd;
}

/* Copy type id of src into dst as CO-RE sees it (kernel_core_btf_fd());
 * map[id] is its id in dst once copied. Returns that id or -errno.
 */
static int core_copy(struct btf *dst, const struct raw_btf *src, __u32 id, __u32 *map, int depth)
{
	const struct btf_type *t;
	const struct btf_member *m;
	const struct btf_enum *e;
	const struct btf_array *a;
	const char *name;
	int r = 0, ix, el, *tids;
	__u16 i, vlen;

	if (!id)
		return 0;
	if (map[id])
		return (int)map[id];
	/* Only embedded types nest: C does not go deeper than this. */
	t = raw_type(src, id);
	if (!t || depth > 64)
		return -EINVAL;
	name = raw_name(src, t->name_off);
	vlen = btf_vlen(t);
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		r = core_copy(dst, src, t->type, map, depth + 1);
		break;
	case BTF_KIND_INT:
		r = btf__add_int(dst, name ? name : "int", (size_t)t->size, btf_int_encoding(t));
		break;
	case BTF_KIND_FLOAT:
		r = btf__add_float(dst, name ? name : "float", (size_t)t->size);
		break;
	case BTF_KIND_PTR:
		/* CO-RE never follows a pointer: any pointer matches. */
		r = btf__add_ptr(dst, 0);
		break;
	case BTF_KIND_ARRAY:
		a = btf_array(t);
		if ((el = core_copy(dst, src, a->type, map, depth + 1)) < 0)
			return el;
		if ((ix = core_copy(dst, src, a->index_type, map, depth + 1)) < 0)
			return ix;
		r = btf__add_array(dst, ix, el, a->nelems);
		break;
	case BTF_KIND_FWD:
		r = btf__add_fwd(dst, name, btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		break;
	case BTF_KIND_ENUM:
		r = btf__add_enum(dst, name, t->size);
		for (i = 0, e = btf_enum(t); r > 0 && i < vlen; i++, e++)
			if (btf__add_enum_value(dst, raw_name(src, e->name_off),
						e->val) < 0)
				return -errno;
		break;
	case BTF_KIND_ENUM64:
		r = btf__add_enum64(dst, name, t->size, btf_kflag(t));
		for (i = 0; r > 0 && i < vlen; i++)
			if (btf__add_enum64_value(dst, raw_name(src, btf_enum64(t)[i].name_off),
						  btf_enum64_value(&btf_enum64(t)[i])) < 0)
				return -errno;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* The members' types first: a struct's fields follow it. */
		tids = calloc(vlen ? vlen : 1, sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		for (i = 0, m = btf_members(t); i < vlen; i++, m++) {
			if ((tids[i] = core_copy(dst, src, m->type, map, depth + 1)) < 0) {
				r = tids[i];
				free(tids);
				return r;
			}
		}
		r = btf_is_struct(t) ? btf__add_struct(dst, name, t->size) :
				       btf__add_union(dst, name, t->size);
		for (i = 0, m = btf_members(t); r > 0 && i < vlen; i++, m++) {
			if (btf__add_field(dst, raw_name(src, m->name_off), tids[i],
					   btf_member_bit_offset(t, i),
					   btf_member_bitfield_size(t, i)) < 0) {
				r = -errno;
				break;
			}
		}
		free(tids);
		break;
	default:
		/* A function type is only ever pointed to; a kind unknown
		 * here may not be copied as it is.
		 */
		return -EINVAL;
	}
	if (r < 0)
		return r;
	map[id] = (__u32)r;
	return r;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; name && list && *list; list++)
		if (name[0] == (*list)[0] && !strcmp(name, *list))
			return true;
	return false;
}

/* One pass over ids [from, to) of btf: the roots' structs copied, the
 * ids looked up (those of this BTF: vmlinux as said).
 */
static int core_scan(struct btf *dst, const struct raw_btf *src,
		     const char *const *roots, struct kernel_btf_id *ids, int n, bool vmlinux,
		     __u32 *map)
{
	const struct btf_type *t;
	const char *name;
	__u32 id, kinds = 0, k;
	int i, r;

	/* Names are compared only for the kinds asked for here: vmlinux
	 * has 100,000 and more types, most of them FUNCs.
	 */
	if (roots && *roots)
		kinds |= 1u << BTF_KIND_STRUCT;
	for (i = 0; i < n; i++)
		if (ids[i].vmlinux == vmlinux)
			kinds |= 1u << ids[i].kind;
	for (id = src->start; id < src->next; id++) {
		t = (const void *)(src->types + src->off[id - src->start]);
		k = BTF_INFO_KIND(t->info);
		if (!(kinds & (1u << k)) || !(name = raw_name(src, t->name_off)))
			continue;
		if (k == BTF_KIND_STRUCT) {
			if (name_in(name, roots) && (r = core_copy(dst, src, id, map, 0)) < 0)
				return r;
			continue;
		}
		for (i = 0; i < n; i++)
			if (!ids[i].id && ids[i].vmlinux == vmlinux && ids[i].kind == (int)k &&
			    ids[i].name[0] == name[0] && !strcmp(ids[i].name, name)) {
				ids[i].id = (int)id;
				if (k == BTF_KIND_FUNC)
					ids[i].nargs = raw_func_nargs(src, t);
			}
	}
	return 0;
}

/* The BTF for CO-RE from base and mod (kernel_core_btf_fd()), in a memfd. */
static int core_btf_build(struct raw_btf *base, struct raw_btf *mod,
			  const char *const *vmlinux_roots, const char *const *module_roots,
			  struct kernel_btf_id *ids, int n, __u32 *types)
{
	struct btf *out = btf__new_empty();
	__u32 *map = calloc(mod->next, sizeof(*map));
	int fd = -1, err = 0;

	if (!out || !map) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = core_scan(out, base, vmlinux_roots, ids, n, true, map)) ||
	    (err = core_scan(out, mod, module_roots, ids, n, false, map)))
		goto out;
	*types = btf__type_cnt(out) - 1;
	fd = btf_memfd(out, "nvmetrace-core-btf");
	err = fd < 0 ? fd : 0;
out:
	free(map);
	btf__free(out);
	return err ? err : fd;
}

static void ids_clear(struct kernel_btf_id *ids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ids[i].id = ids[i].obj_fd = 0;
		ids[i].nargs = -1;
	}
}

int kernel_core_btf_from(const char *vmlinux_path, const char *module_path,
			 const char *const *vmlinux_roots, const char *const *module_roots,
			 struct kernel_btf_id *ids, int n, __u32 *types)
{
	struct raw_btf base, mod = { 0 };
	int fd;

	ids_clear(ids, n);
	if ((fd = raw_btf_load(&base, vmlinux_path, NULL)) ||
	    (fd = raw_btf_load(&mod, module_path, &base)) ||
	    (fd = core_btf_build(&base, &mod, vmlinux_roots, module_roots, ids, n, types)) < 0)
		ids_clear(ids, n);
	raw_btf_free(&mod);
	raw_btf_free(&base);
	return fd;
}

int kernel_core_btf_fd(const char *module, const char *const *vmlinux_roots,
		       const char *const *module_roots, struct kernel_btf_id *ids, int n,
		       __u32 *types)
{
	struct raw_btf base = { 0 }, mod = { 0 };
	int fd, vfd, mfd, i;

	ids_clear(ids, n);
	if ((fd = kernel_btf_fds(module, &vfd, &mfd)))
		return fd;
	if ((fd = raw_btf_from_fd(&base, vfd, NULL)) ||
	    (fd = raw_btf_from_fd(&mod, mfd, &base)) ||
	    (fd = core_btf_build(&base, &mod, vmlinux_roots, module_roots, ids, n, types)) < 0)
		ids_clear(ids, n);
	raw_btf_free(&mod);
	raw_btf_free(&base);
	close(vfd);
	/* The module's BTF fd stays open for the programs' load. */
	for (i = 0; fd >= 0 && i < n; i++)
		if (!ids[i].vmlinux && ids[i].id)
			ids[i].obj_fd = mfd;
	for (i = 0; i < n && !ids[i].obj_fd; i++)
		;
	if (i == n)
		close(mfd);
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
