#!/usr/bin/env bash
# make install honours PREFIX and DESTDIR.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if make -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/nvmt >/dev/null 2>&1 &&
   [ -x "$dest/opt/nvmt/sbin/nvmetrace" ] &&
   [ "$(stat -c %a "$dest/opt/nvmt/share/man/man8/nvmetrace.8")" = 644 ] &&
   "$dest/opt/nvmt/sbin/nvmetrace" --version >/dev/null &&
   [ -f "$dest/opt/nvmt/share/bash-completion/completions/nvmetrace" ] &&
   [ "$(find "$dest" -type f | wc -l)" -eq 3 ]; then
	echo "PASS host make install DESTDIR=... PREFIX=/opt/nvmt: binary, man page, completion"
else
	echo "FAIL host make install DESTDIR=... PREFIX=/opt/nvmt: $(find "$dest" -type f)"
fi
