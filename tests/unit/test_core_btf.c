// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kernel_core_btf_from(): the BTF nvmetrace hands libbpf for CO-RE, from a
 * made-up "vmlinux" and a module split on it (written with libbpf's BTF
 * writer, as the kernel exports them): the roots' structs with every
 * member at its offset, typedefs and qualifiers resolved, pointers to
 * void, embedded unions whole; the attach targets' ids; a kind it does not
 * know refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include "kernel.h"
#include "unit.h"

static char dir[] = "/tmp/nvmetrace-core-btf-XXXXXX";
static char vpath[128], mpath[128], bad_path[128];

static int write_btf(const char *path, const struct btf *btf, int patch_kind_of)
{
	__u32 size;
	const void *raw = btf__raw_data(btf, &size);
	char *copy;
	int fd, ok;

	if (!raw)
		return -1;
	copy = malloc(size);
	memcpy(copy, raw, size);
	if (patch_kind_of > 0) {
		/* Turn the first type's kind into one not known (31). */
		const struct btf_header *h = (const void *)copy;
		struct btf_type *t = (void *)(copy + h->hdr_len + h->type_off);

		t->info = (t->info & ~0x1f000000u) | (31u << 24);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok = fd >= 0 && write(fd, copy, size) == (ssize_t)size;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ok ? 0 : -1;
}

/* ids in base: */
static int id_uint, id_char, id_u64, id_rq, id_rq_insert, id_enum;

static struct btf *make_base(void)
{
	struct btf *b = btf__new_empty();
	int id_int, id_u32t, id_vol, id_arr, id_q, id_ptr_q, id_anon, id_inner, id_disk, id_proto;
	int id_ptr_disk, id_void_ptr, id_comm;

	id_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	id_uint = btf__add_int(b, "unsigned int", 4, 0);
	id_char = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	id_u64 = btf__add_int(b, "long long unsigned int", 8, 0);
	id_u32t = btf__add_typedef(b, "u32", id_uint);
	id_vol = btf__add_volatile(b, id_u32t);
	id_arr = btf__add_array(b, id_int, id_char, 32);
	id_enum = btf__add_enum(b, "req_state", 4);
	btf__add_enum_value(b, "IDLE", 0);
	btf__add_enum_value(b, "BUSY", 7);

	id_disk = btf__add_struct(b, "gendisk", 40);
	btf__add_field(b, "disk_name", id_arr, 0, 0);
	btf__add_field(b, "diskseq", id_u64, 256, 0);
	id_ptr_disk = btf__add_ptr(b, id_disk);

	/* A struct's fields follow it: their types are made first. */
	id_void_ptr = btf__add_ptr(b, 0);
	id_q = btf__add_struct(b, "request_queue", 16);
	btf__add_field(b, "queuedata", id_void_ptr, 0, 0);
	btf__add_field(b, "disk", id_ptr_disk, 64, 0);
	id_ptr_q = btf__add_ptr(b, id_q);

	/* union { struct { int tag; u32 __data_len; }; u64 both; } */
	id_inner = btf__add_struct(b, NULL, 8);
	btf__add_field(b, "tag", id_int, 0, 0);
	btf__add_field(b, "__data_len", id_u32t, 32, 0);
	id_anon = btf__add_union(b, NULL, 8);
	btf__add_field(b, NULL, id_inner, 0, 0);
	btf__add_field(b, "both", id_u64, 0, 0);

	id_rq = btf__add_struct(b, "request", 40);
	btf__add_field(b, "q", id_ptr_q, 0, 0);
	btf__add_field(b, NULL, id_anon, 64, 0);
	btf__add_field(b, "flags", id_vol, 128, 3);	/* a bitfield */
	btf__add_field(b, "more", id_vol, 131, 5);
	btf__add_field(b, "state", id_enum, 160, 0);
	btf__add_field(b, "start_time_ns", id_u64, 192, 0);
	btf__add_field(b, "unused", id_u64, 256, 0);

	id_comm = btf__add_array(b, id_int, id_char, 16);
	btf__add_struct(b, "task_struct", 24);
	btf__add_field(b, "pid", id_int, 0, 0);
	btf__add_field(b, "tgid", id_int, 32, 0);
	btf__add_field(b, "comm", id_comm, 64, 0);

	id_proto = btf__add_func_proto(b, 0);
	btf__add_func_param(b, "rq", btf__add_ptr(b, id_rq));
	id_rq_insert = btf__add_typedef(b, "btf_trace_block_rq_insert",
					btf__add_ptr(b, id_proto));
	/* A FUNC of the same name: not the TYPEDEF asked for. */
	btf__add_func(b, "btf_trace_block_rq_insert", BTF_FUNC_GLOBAL, id_proto);
	return b;
}

static int id_nvme_req, id_submit, id_setup;

static struct btf *make_module(struct btf *base)
{
	struct btf *m = btf__new_empty_split(base);
	int id_ctrl, id_proto, id_vp, id_u16, id_pctrl;

	id_ctrl = btf__add_struct(m, "nvme_ctrl", 8);
	btf__add_field(m, "instance", id_uint, 0, 0);
	id_vp = btf__add_ptr(m, 0);
	id_u16 = btf__add_int(m, "short unsigned int", 2, 0);
	id_pctrl = btf__add_ptr(m, id_ctrl);
	id_nvme_req = btf__add_struct(m, "nvme_request", 24);
	btf__add_field(m, "cmd", id_vp, 0, 0);
	btf__add_field(m, "status", id_u16, 64, 0);
	btf__add_field(m, "ctrl", id_pctrl, 128, 0);
	/* (btf__add_func_param() follows the prototype, or fails.) */
	id_proto = btf__add_func_proto(m, id_uint);
	btf__add_func_param(m, "q", id_vp);
	btf__add_func_param(m, "bufflen", id_uint);
	btf__add_func_param(m, "timeout", id_uint);
	id_submit = btf__add_func(m, "nvme_submit_user_cmd", BTF_FUNC_GLOBAL, id_proto);
	id_setup = btf__add_typedef(m, "btf_trace_nvme_setup_cmd", btf__add_ptr(m, id_proto));
	return m;
}

static const struct btf_type *find_struct(const struct btf *b, const char *name, int *id)
{
	*id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
	return *id > 0 ? btf__type_by_id(b, *id) : NULL;
}

static struct btf *read_out(int fd)
{
	static char buf[1 << 20];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	return n > 0 ? btf__new(buf, (__u32)n) : NULL;
}

int main(void)
{
	static const char *const vroots[] = { "request", "task_struct", "not_there", NULL };
	static const char *const mroots[] = { "nvme_request", NULL };
	struct kernel_btf_id ids[] = {
		{ .name = "nvme_submit_user_cmd", .kind = BTF_KIND_FUNC },
		{ .name = "btf_trace_nvme_setup_cmd", .kind = BTF_KIND_TYPEDEF },
		{ .name = "btf_trace_nvme_complete_rq", .kind = BTF_KIND_TYPEDEF },
		{ .name = "btf_trace_block_rq_insert", .kind = BTF_KIND_TYPEDEF, .vmlinux = true },
	};
	const struct btf_type *t, *mt, *u;
	const struct btf_member *m;
	struct btf *base, *mod, *out;
	__u32 types = 0;
	int fd, id, i;

	if (!mkdtemp(dir)) {
		CHECK(0, "core btf: temporary directory");
		return 1;
	}
	snprintf(vpath, sizeof(vpath), "%s/vmlinux", dir);
	snprintf(mpath, sizeof(mpath), "%s/nvme_core", dir);
	snprintf(bad_path, sizeof(bad_path), "%s/bad", dir);
	base = make_base();
	mod = make_module(base);
	CHECK(!write_btf(vpath, base, 0) && !write_btf(mpath, mod, 0) &&
	      !write_btf(bad_path, base, 1), "core btf: made-up BTF written");

	fd = kernel_core_btf_from(vpath, mpath, vroots, mroots, ids, 4, &types);
	CHECK(fd >= 0, "core btf: built (%d)", fd);
	out = fd >= 0 ? read_out(fd) : NULL;
	CHECK(out != NULL, "core btf: libbpf parses it");
	if (!out)
		goto done;
	CHECK_EQ_U64(types, btf__type_cnt(out) - 1, "core btf: type count as said");
	CHECK(btf__find_by_name_kind(out, "not_there", BTF_KIND_STRUCT) < 0 &&
	      btf__find_by_name_kind(out, "gendisk", BTF_KIND_STRUCT) < 0,
	      "core btf: no struct but the roots and what they embed");

	/* struct request, member by member. */
	t = find_struct(out, "request", &id);
	mt = btf__type_by_id(base, id_rq);
	CHECK(t && btf_vlen(t) == btf_vlen(mt) && t->size == mt->size,
	      "core btf: request's size and member count");
	for (i = 0; t && i < btf_vlen(t); i++) {
		const char *want = btf__name_by_offset(base, btf_members(mt)[i].name_off);
		const char *got = btf__name_by_offset(out, btf_members(t)[i].name_off);

		CHECK(!strcmp(want, got) &&
		      btf_member_bit_offset(t, i) == btf_member_bit_offset(mt, i) &&
		      btf_member_bitfield_size(t, i) == btf_member_bitfield_size(mt, i),
		      "core btf: request member %d (%s) at its bit offset and width", i, want);
	}
	if (t && btf_vlen(t) == 7) {
		m = btf_members(t);
		u = btf__type_by_id(out, m[0].type);
		CHECK(btf_is_ptr(u) && u->type == 0, "core btf: a pointer points to void");
		u = btf__type_by_id(out, m[1].type);
		CHECK(btf_is_union(u) && btf_vlen(u) == 2 &&
		      btf_is_struct(btf__type_by_id(out, btf_members(u)[0].type)) &&
		      btf_vlen(btf__type_by_id(out, btf_members(u)[0].type)) == 2,
		      "core btf: an embedded anonymous union, whole");
		u = btf__type_by_id(out, btf_members(btf__type_by_id(out, btf_members(u)[0].type))[1].type);
		CHECK(btf_is_int(u) && u->size == 4 && !strcmp(btf__name_by_offset(out, u->name_off),
							     "unsigned int"),
		      "core btf: a typedef resolved to its int");
		u = btf__type_by_id(out, m[2].type);
		CHECK(btf_is_int(u), "core btf: volatile typedef'd bitfield resolved to its int");
		u = btf__type_by_id(out, m[4].type);
		CHECK(btf_is_enum(u) && btf_vlen(u) == 2 && btf_enum(u)[1].val == 7 &&
		      !strcmp(btf__name_by_offset(out, btf_enum(u)[1].name_off), "BUSY"),
		      "core btf: an enum with its values");
	}
	t = find_struct(out, "task_struct", &id);
	CHECK(t && btf_vlen(t) == 3 && btf_member_bit_offset(t, 2) == 64 &&
	      btf_is_array(btf__type_by_id(out, btf_members(t)[2].type)) &&
	      btf_array(btf__type_by_id(out, btf_members(t)[2].type))->nelems == 16,
	      "core btf: task_struct's comm, a char[16] at 8");
	t = find_struct(out, "nvme_request", &id);
	mt = btf__type_by_id(mod, id_nvme_req);
	CHECK(t && btf_vlen(t) == 3 && btf_member_bit_offset(t, 2) == 128 && t->size == mt->size &&
	      btf_is_int(btf__type_by_id(out, btf_members(t)[1].type)),
	      "core btf: the module's root, a member of a base type");
	CHECK(find_struct(out, "nvme_ctrl", &id) == NULL,
	      "core btf: a struct pointed to is not copied");

	CHECK_EQ_U64(ids[0].id, id_submit, "core btf: the module's FUNC id (split numbering)");
	CHECK_EQ_U64(ids[1].id, id_setup, "core btf: the module's TYPEDEF id");
	CHECK_EQ_U64(ids[2].id, 0, "core btf: a target not there has no id");
	CHECK_EQ_U64(ids[3].id, id_rq_insert, "core btf: vmlinux's TYPEDEF id, not the FUNC's");
	CHECK(ids[0].nargs == 3, "core btf: the FUNC's arguments from its prototype (%d)", ids[0].nargs);
	CHECK(ids[1].nargs == -1 && ids[3].nargs == -1, "core btf: no argument count for a TYPEDEF");
	CHECK(ids[0].obj_fd == 0 && ids[3].obj_fd == 0, "core btf: no BTF fd from files");
	btf__free(out);
	close(fd);

	fd = kernel_core_btf_from(bad_path, mpath, vroots, mroots, ids, 4, &types);
	CHECK(fd == -EINVAL && ids[0].id == 0 && ids[3].id == 0,
	      "core btf: a kind not known refused, no ids (%d)", fd);
	fd = kernel_core_btf_from(vpath, "/nonexistent/btf", vroots, mroots, ids, 4, &types);
	CHECK(fd == -ENOENT, "core btf: a missing module BTF says so (%d)", fd);
done:
	btf__free(mod);
	btf__free(base);
	unlink(vpath);
	unlink(mpath);
	unlink(bad_path);
	rmdir(dir);
	return unit_failures != 0;
}
