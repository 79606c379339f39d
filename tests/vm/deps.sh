#!/usr/bin/env bash
# Install the Debian packages nvmetrace's build and tests need, if missing,
# and any further packages named as arguments (bench/deps.sh does).
# Run as root (CI does); prints what it installs.
set -euo pipefail

pkgs=(
	# build
	make gcc clang libbpf-dev bpftool libelf-dev zlib1g-dev libisal-dev pkg-config libnvme-dev
	# fuzzers (tests/fuzz/): libFuzzer and the sanitizer runtimes for clang
	libclang-rt-14-dev
	# VM tests: QEMU, initramfs tools, the real tools driven in the guest
	qemu-system-x86 cpio kmod busybox-static nvme-cli util-linux
	xz-utils zstd debian-archive-keyring
	"$@"
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
[ "$(id -u)" -eq 0 ] || { echo "deps: need root to install ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
