#!/usr/bin/env bash
# Fetch Debian kernel images (vmlinuz + modules) for the VM tests into the
# cache. Uses the machine's own Debian archive addresses (read from its apt
# sources) with a private source list, so the system's apt state is untouched.
#
# usage: fetch-kernels.sh KERNEL...   (KERNEL: 5.10 6.1 6.1-cloud 6.12 7.2)
#        fetch-kernels.sh --headers KERNEL...
# Each kernel lands in $CACHE/kernels/KERNEL/{vmlinuz,release,root/lib/modules}.
# --headers also fetches the kernel's headers packages (for BCC, `make bench`)
# into $CACHE/kernels/KERNEL/headers.
# A kernel already in the cache is not fetched again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

apt_dir="$CACHE/apt"
kernel_dir="$CACHE/kernels"

# Print "URI" of the first deb source whose URI ends in the given path
# component (debian or debian-security), from the machine's apt sources.
archive_uri() {
	local want=$1 f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		case "$f" in
		*.sources)
			uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f") ;;
		*)
			uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++)
				if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f") ;;
		esac
		for u in $uri; do
			case "${u%/}" in
			*/"$want") echo "${u%/}"; return 0 ;;
			esac
		done
	done
	return 1
}

apt_opts=()
apt_setup() {
	[ ${#apt_opts[@]} -eq 0 ] || return 0
	local main sec keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	main=$(archive_uri debian) || die "no Debian archive in this machine's apt sources"
	sec=$(archive_uri debian-security) || sec="${main%/debian}/debian-security"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
	cat >"$apt_dir/sources.list" <<-EOF
	deb [signed-by=$keyring] $main bullseye main
	deb [signed-by=$keyring] $sec bullseye-security main
	deb [signed-by=$keyring] $main bookworm main
	deb [signed-by=$keyring] $sec bookworm-security main
	deb [signed-by=$keyring] $main sid main
	EOF
	apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		  -o Dir::Etc::SourceParts=/dev/null
		  -o "Dir::State::Lists=$apt_dir/lists"
		  -o "Dir::Cache=$apt_dir/cache"
		  -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	log "updating private package lists"
	apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
		die "apt-get update failed (see $apt_dir/update.log)"
}

# Newest package name matching an extended regex.
newest_pkg() {
	local re=$1 name
	name=$(apt-cache "${apt_opts[@]}" pkgnames | grep -E "^($re)\$" | sort -V | tail -n 1)
	[ -n "$name" ] || die "no package matches '$re' in the Debian archive"
	echo "$name"
}

download() {
	local pkg=$1 deb
	(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -q download "$pkg" >/dev/null) ||
		die "failed to download $pkg"
	deb=$(ls -t "$apt_dir/debs/${pkg}"_*.deb | head -n 1)
	echo "$deb"
}

fetch_one() {
	local k=$1 dest="$kernel_dir/$1" pkgs=() p tmp kv
	[ -s "$dest/release" ] && [ -s "$dest/vmlinuz" ] && return 0
	apt_setup
	case "$k" in
	5.10)      pkgs=("$(newest_pkg 'linux-image-5\.10\.0-[0-9]+-amd64-unsigned')") ;;
	6.1)       pkgs=("$(newest_pkg 'linux-image-6\.1\.0-[0-9]+-amd64-unsigned')") ;;
	6.1-cloud) pkgs=("$(newest_pkg 'linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned')") ;;
	6.12)      pkgs=("$(newest_pkg 'linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned')") ;;
	7.2)       p=$(newest_pkg 'linux-binary-7\.2\.[0-9]+\+deb[0-9]+-amd64')
		   pkgs=("$p" "${p/linux-binary/linux-modules}") ;;
	*) die "unknown kernel '$k' (known: $ALL_KERNELS)" ;;
	esac
	tmp="$dest.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp/root"
	for p in "${pkgs[@]}"; do
		log "fetching $p"
		dpkg-deb -x "$(download "$p")" "$tmp/root"
	done
	kv=$(ls "$tmp/root/lib/modules" "$tmp/root/usr/lib/modules" 2>/dev/null |
		grep -v -e '^$' -e ':$' | head -n 1 || true)
	[ -n "$kv" ] || die "$k: no modules directory in ${pkgs[*]}"
	# Newer packages ship under /usr/lib; give every kernel one layout.
	if [ -d "$tmp/root/usr/lib/modules/$kv" ] && [ ! -d "$tmp/root/lib/modules/$kv" ]; then
		mkdir -p "$tmp/root/lib/modules"
		mv "$tmp/root/usr/lib/modules/$kv" "$tmp/root/lib/modules/"
	fi
	p=$(find "$tmp/root" -name 'vmlinuz*' -type f | head -n 1 || true)
	[ -n "$p" ] || die "$k: no vmlinuz in ${pkgs[*]}"
	mv "$p" "$tmp/vmlinuz"
	echo "$kv" >"$tmp/release"
	rm -rf "$tmp/root/boot" "$tmp/root/usr" "$tmp/root/lib/modules/$kv/kernel/sound" \
	       "$tmp/root/lib/modules/$kv/kernel/drivers/gpu" "$tmp/root/lib/modules/$kv/kernel/drivers/net/wireless"
	rm -f "$apt_dir"/debs/*.deb
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "$k: kernel $kv ready"
}

# Debian splits a kernel's headers in two packages: linux-headers-RELEASE
# (generated, per flavour) and linux-headers-VERSION-common. BCC and bpftrace
# take one tree (BCC_KERNEL_SOURCE, BPFTRACE_KERNEL_SOURCE), so the generated
# files are laid over the common ones in $CACHE/kernels/KERNEL/headers.
fetch_headers() {
	local k=$1 dest="$kernel_dir/$1/headers" kv tmp p common
	[ -s "$dest/include/generated/autoconf.h" ] && return 0
	kv=$(cat "$kernel_dir/$k/release")
	apt_setup
	tmp="$dest.tmp"
	rm -rf "$tmp" "$tmp.x"
	mkdir -p "$tmp.x"
	for p in "linux-headers-$kv" "linux-headers-${kv%-*}-common"; do
		apt-cache "${apt_opts[@]}" show "$p" >/dev/null 2>&1 ||
			die "$k: no package $p in the Debian archive (headers are fetched for Debian's own kernels only)"
		log "fetching $p"
		dpkg-deb -x "$(download "$p")" "$tmp.x"
	done
	common=$(ls -d "$tmp.x"/usr/src/linux-headers-*-common 2>/dev/null | head -n 1)
	[ -d "$tmp.x/usr/src/linux-headers-$kv" ] && [ -n "$common" ] ||
		die "$k: unexpected layout of the headers packages"
	mv "$common" "$tmp"
	cp -a --remove-destination "$tmp.x/usr/src/linux-headers-$kv/." "$tmp/"
	rm -rf "$tmp.x" "$apt_dir"/debs/*.deb "$dest"
	mv "$tmp" "$dest"
	log "$k: headers for $kv ready"
}

headers=0
if [ "${1:-}" = --headers ]; then
	headers=1
	shift
fi
[ $# -gt 0 ] || set -- $ALL_KERNELS
for k in "$@"; do
	fetch_one "$k"
	[ $headers -eq 0 ] || fetch_headers "$k"
done
