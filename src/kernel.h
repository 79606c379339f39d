/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the running kernel offers: privileges, symbols, BTF, tracefs.
 * Every check here asks the kernel (or tries); none reads a version number.
 */
#ifndef NVMETRACE_KERNEL_H
#define NVMETRACE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#define KSYM_MODULE_LEN 64

/* True if the process may load and attach tracing programs: CAP_SYS_ADMIN,
 * or CAP_BPF together with CAP_PERFMON (both split out of CAP_SYS_ADMIN in
 * Linux 5.8, commits a17b53c4a4b5 and 980737282232).
 */
bool have_trace_privilege(void);

/* True if the process holds CAP_SYS_ADMIN (or is root without capget). */
bool have_sys_admin(void);

/* Look a symbol up in /proc/kallsyms: a function (text) or a data symbol.
 * Returns true if found; module gets the owning module's name, or "" for
 * vmlinux.
 */
bool ksym_find(const char *name, bool text, char module[KSYM_MODULE_LEN]);

/* The NVMe driver's core module (drivers/nvme/host: nvme-core): its
 * passthrough function, its tracepoints and its types are there when it is
 * a module.
 */
#define NVME_CORE_MODULE "nvme_core"

/* True if module is loaded as a module (/sys/module/MODULE/initstate; a
 * built-in one has no initstate): a stat, where BTF would be parsed.
 */
bool kernel_module_loaded(const char *module);

/* Where the running kernel's BTF has name of BTF kind (BTF_KIND_FUNC,
 * BTF_KIND_TYPEDEF...): in module nvme_core's BTF (module gets its name) or
 * in vmlinux BTF (module gets ""). BTF describes what is loaded, so this
 * finds the NVMe driver without reading /proc/kallsyms; false when there is
 * no such BTF (then ask ksym_find()).
 */
bool kernel_btf_home(const char *name, int kind, char module[KSYM_MODULE_LEN]);

/* Kernel BTF: true if /sys/kernel/btf/vmlinux exists; for a module, true if
 * /sys/kernel/btf/MODULE exists (module BTF, Linux 5.11, commit 36e68442d1af).
 */
bool have_kernel_btf(const char *module);

/* Number of arguments of a kernel function according to its BTF, or a
 * negative errno (-ENOENT: no BTF for it).
 */
int kernel_func_nargs(const char *func, const char *module);
/* The lookups keep the BTF they parse; free it (before loading programs,
 * which parse their own).
 */
void kernel_btf_release(void);

/* A BTF-typed attach target (tp_btf, fentry, fexit) as BPF_PROG_LOAD takes
 * it: the BTF object holding it (a module's BTF fd, or 0 for vmlinux) and
 * its type id there.
 */
struct kernel_btf_id {
	const char *name;	/* in: the type's name */
	int kind;		/* in: BTF_KIND_FUNC or BTF_KIND_TYPEDEF */
	bool vmlinux;		/* in: in vmlinux, not in the module */
	int obj_fd;		/* out: 0 (vmlinux) or the module's BTF fd */
	int id;			/* out: its id, 0 if not found */
	int nargs;		/* out: a FUNC's arguments (its prototype's), or -1 */
};

/* Find each of ids[0..n) in the module's BTF (or vmlinux's, where the id
 * says so) as libbpf finds an attach target: through libbpf's parse of
 * the BTF. The module's BTF fd (BPF_BTF_GET_NEXT_ID needs CAP_SYS_ADMIN)
 * stays open for the load when any of its ids is found. Returns how many
 * of the module's were found, or a negative errno.
 */
int kernel_module_btf_ids_parsed(const char *module, struct kernel_btf_id *ids, int n);

/* The BTF libbpf needs for CO-RE, and no more: every struct named in
 * vmlinux_roots (in vmlinux BTF) or module_roots (in the module's), each
 * with all its members; a member's type is copied as far as a relocation
 * can look into it (typedefs and qualifiers resolved, pointers to void,
 * embedded structs and unions whole). Written to a memfd for libbpf's
 * btf_custom_path: libbpf then searches a few hundred types for each
 * relocated one instead of all of vmlinux and every module, once per
 * type. ids (as for kernel_module_btf_ids_parsed()) are looked up in the
 * same pass. Returns the memfd (*types: how many types it holds) or
 * -errno; roots not found are left out.
 */
int kernel_core_btf_fd(const char *module, const char *const *vmlinux_roots,
		       const char *const *module_roots, struct kernel_btf_id *ids, int n,
		       __u32 *types);

/* The same from the raw BTF files at the two paths (the second split on
 * the first); ids' obj_fd stays 0.
 */
int kernel_core_btf_from(const char *vmlinux_path, const char *module_path,
			 const char *const *vmlinux_roots, const char *const *module_roots,
			 struct kernel_btf_id *ids, int n, __u32 *types);

/* True if the kernel's BTF (the module's, if module is set) has struct name. */
bool kernel_has_struct(const char *name, const char *module);

/* The number of arguments of tracepoint event according to its
 * btf_trace_<event> typedef, or a negative errno.
 */
int kernel_tp_nargs(const char *event, const char *module);

/* True if the kernel's BTF types tracepoint event for tp_btf programs. */
bool kernel_tp_has_btf(const char *event, const char *module);

/* The mounted tracefs directory ("/sys/kernel/tracing" or the debugfs one),
 * or NULL when tracefs is not mounted.
 */
const char *tracefs_dir(void);

/* vmlinux BTF and MODULE's BTF (read from /sys/kernel/btf, which needs no
 * privilege) merged into one BTF in a memfd, for libbpf's btf_custom_path:
 * without CAP_SYS_ADMIN libbpf cannot open module BTF by id
 * (BPF_BTF_GET_NEXT_ID and BPF_BTF_GET_FD_BY_ID check CAP_SYS_ADMIN), so
 * CO-RE relocations against a module's types fail. Returns an fd or -errno.
 */
int kernel_merged_btf_fd(const char *module);

/* True if the kernel is locked down (/sys/kernel/security/lockdown, Linux
 * 5.4, commit 000d388ed3bb); mode gets "integrity" or "confidentiality".
 * False when it is not, or securityfs is not mounted.
 */
bool kernel_lockdown(char *mode, size_t len);

/* An integer sysctl from /proc/sys (path), or -1 if unreadable. */
int kernel_sysctl_int(const char *path);

/* True if NVMe disk (nvmeNnM) exists, else controller nvmeN (ctrl >= 0),
 * else any NVMe controller (/sys/class/nvme). A few syscalls: cheap enough
 * to ask once a second.
 */
bool nvme_device_present(int ctrl, const char *disk);

/* "EINVAL" for EINVAL, also for the kernel-internal errnos the bpf() calls
 * return (ENOTSUPP = 524); never NULL. err may be negative.
 */
const char *errno_name(int err);

#endif /* NVMETRACE_KERNEL_H */
