#!/usr/bin/env bash
# Install what `make bench` needs on top of the test dependencies: the
# alternatives it measures nvmetrace against (bpftrace, BCC), fio for the
# block I/O workload and GNU time for the replay figures. Run as root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
"$here/../tests/vm/deps.sh"
pkgs=(bpftrace python3-bpfcc fio time python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bench: installing ${missing[*]}" >&2
[ "$(id -u)" -eq 0 ] || { echo "bench: need root to install ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
