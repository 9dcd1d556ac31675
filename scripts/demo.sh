#!/usr/bin/env bash
# The main job: install what is missing, build, compile kernels/attention.py
# and run attention forward and backward (on the GPU when one is present,
# otherwise on the CPU reference executor), checked against reference
# attention in float64.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python3}" -m flashtile.demo "$@"
