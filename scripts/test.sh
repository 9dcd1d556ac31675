#!/usr/bin/env bash
# Installs what is missing, builds, and runs FlashTile's whole test suite:
# lit/FileCheck compiler tests, C++ unit tests, and the pytest suite
# (numerical tests on the CPU executor; GPU tests skip with a reason when no
# GPU is present). Exits non-zero if any part fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLASHTILE_BUILD_DIR:-$root/build}
python=${PYTHON:-python3}

"$root/scripts/setup.sh" || exit 1

failed=()
echo "== lit: compiler tests (test/)"
/usr/lib/llvm-22/bin/lit -q "$build/test" || failed+=(lit)

echo "== C++ unit tests (unittests/)"
if [ -d "$build/unittests" ]; then
  ctest --test-dir "$build/unittests" --output-on-failure -j2 >"$build/ctest.log" 2>&1 \
    || { cat "$build/ctest.log"; failed+=(unit); }
  tail -n 3 "$build/ctest.log"
else
  echo "unit tests were not built" && failed+=(unit)
fi

echo "== pytest: numerical and Python API tests (test/python)"
(cd "$root" && FLASHTILE_REQUIRE_NATIVE=1 "$python" -m pytest -q test/python) || failed+=(pytest)

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all FlashTile tests passed"
