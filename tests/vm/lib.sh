# Shared settings for the VM test scripts (sourced, not run).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${NVMETRACE_CACHE:-$TOP/.cache}
ALL_KERNELS="5.10 6.1 6.1-cloud 6.12 7.2"

log() { echo "vm: $*" >&2; }
die() { echo "vm: error: $*" >&2; exit 1; }
