#!/usr/bin/env bash
# Install what `make bench` needs on top of the test dependencies: the
# alternatives it measures nvmetrace against (bpftrace, BCC), fio for the
# block I/O workload, GNU time for the replay figures, python3 for the
# report. Run as root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../tests/vm/deps.sh" bpftrace python3-bpfcc fio time python3
