#!/usr/bin/env bash
# Build the initramfs a VM test boots: busybox, the kernel's NVMe modules,
# nvmetrace and the real tools the tests drive (nvme-cli, bpftool), each with
# the shared libraries ldd finds, and the guest test scripts.
#
# usage: mkinitramfs.sh KERNEL OUT.cpio
# The module part is cached per kernel; the rest is rebuilt every time so the
# guest always runs the nvmetrace just built.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

k=$1 out=$2
kdir="$CACHE/kernels/$k"
[ -s "$kdir/release" ] || die "kernel $k is not in the cache (run tests/vm/fetch-kernels.sh $k)"
kv=$(cat "$kdir/release")

for tool in cpio depmod modprobe; do
	command -v "$tool" >/dev/null || die "$tool not found (run tests/vm/deps.sh)"
done
[ -x /bin/busybox ] || die "/bin/busybox not found (run tests/vm/deps.sh)"

# --- modules: nvme and what it needs, decompressed, in insmod order --------
mods_cpio="$CACHE/initramfs/modules-$k.cpio"
if [ ! -s "$mods_cpio" ]; then
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	depmod -b "$kdir/root" "$kv" 2>/dev/null
	mkdir -p "$stage/lib/modules" "$stage/etc"
	: >"$stage/etc/modules.load"
	# t10-pi asks the crypto API (not the module loader) for these.
	for m in crct10dif_generic crc64_rocksoft_generic crc64_rocksoft nvme; do
		modprobe -d "$kdir/root" -S "$kv" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		base=$(basename "$ko")
		base=${base%.xz}; base=${base%.zst}
		case "$ko" in
		*.xz)  xz -dc "$ko" >"$stage/lib/modules/$base" ;;
		*.zst) zstd -qdc "$ko" >"$stage/lib/modules/$base" ;;
		*)     cp "$ko" "$stage/lib/modules/$base" ;;
		esac
		echo "/lib/modules/$base" >>"$stage/etc/modules.load"
	done
	echo "$k" >"$stage/etc/nvmetrace-kernel"
	mkdir -p "$(dirname "$mods_cpio")"
	(cd "$stage" && find . -mindepth 1 | cpio -o -H newc --quiet) >"$mods_cpio.tmp"
	mv "$mods_cpio.tmp" "$mods_cpio"
	rm -rf "$stage"
	trap - EXIT
fi

# --- everything else ---------------------------------------------------------
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# mktemp's 0700 would become the guest's / and lock out non-root tests.
chmod 0755 "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc}

copy_bin() {
	local bin=$1 dest=$2 lib
	if [ ! -x "$bin" ]; then
		case $bin in
		"$TOP"/build/*) die "$bin not found (build it: make ${bin#"$TOP"/})" ;;
		*) die "$bin not found (run tests/vm/deps.sh)" ;;
		esac
	fi
	mkdir -p "$stage$(dirname "$dest")"
	cp -L "$bin" "$stage$dest"
	for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

cp /bin/busybox "$stage/bin/busybox"
copy_bin "$TOP/build/nvmetrace" /usr/sbin/nvmetrace
copy_bin "$TOP/build/nvme-storm" /usr/bin/nvme-storm
copy_bin "$(command -v nvme)" /usr/sbin/nvme
copy_bin "$(command -v bpftool || echo /usr/sbin/bpftool)" /usr/sbin/bpftool
copy_bin /usr/bin/setpriv /usr/bin/setpriv
# Starts a command with default signal dispositions and signals it (faults).
command -v gcc >/dev/null || die "gcc not found (run tests/vm/deps.sh)"
gcc -O2 -Wall -o "$stage/usr/bin/sigat" "$here/sigat.c"
cp "$here/guest/init" "$stage/init"
cp "$here"/guest/*.sh "$here"/guest/*.awk "$stage/root/"
chmod +x "$stage/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"
mkdir -p "$stage/etc/nvme"
echo "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-00000000feed" >"$stage/etc/nvme/hostnqn"

(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out.tmp"
# Concatenated newc archives unpack as one.
cat "$mods_cpio" >>"$out.tmp"
mv "$out.tmp" "$out"
