#!/usr/bin/env bash
# Installs what is missing, builds, and runs FlashTile's whole test suite:
# lit/FileCheck compiler tests, C++ unit tests, and the pytest suite
# (numerical tests on the CPU executor; GPU tests skip with a reason when no
# GPU is present). Ends with one line `summary: N passed, N failed` over all
# three; exits non-zero if any part fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLASHTILE_BUILD_DIR:-$root/build}
python=${PYTHON:-python3}

"$root/scripts/setup.sh" || exit 1

failed=()
passed_total=0 failed_total=0
# count LOG PATTERN: the number in the last match of PATTERN (an extended
# regex containing one number) in the last lines of LOG; 0 if none.
count() { tail -n 5 "$1" | grep -oE "$2" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }

echo "== lit: compiler tests (test/)"
/usr/lib/llvm-22/bin/lit -s "$build/test" 2>&1 | tee "$build/lit.log" || failed+=(lit)
passed_total=$((passed_total + $(count "$build/lit.log" 'Passed *: *[0-9]+')))
failed_total=$((failed_total + $(count "$build/lit.log" 'Failed *: *[0-9]+')))

echo "== C++ unit tests (unittests/)"
if [ -d "$build/unittests" ]; then
  ctest --test-dir "$build/unittests" --output-on-failure -j2 >"$build/ctest.log" 2>&1 \
    || { cat "$build/ctest.log"; failed+=(unit); }
  tail -n 3 "$build/ctest.log"
  total=$(count "$build/ctest.log" 'failed out of [0-9]+')
  bad=$(count "$build/ctest.log" '[0-9]+ tests failed')
  passed_total=$((passed_total + total - bad)) failed_total=$((failed_total + bad))
else
  echo "unit tests were not built" && failed+=(unit)
fi

echo "== pytest: numerical and Python API tests (test/python)"
(cd "$root" && FLASHTILE_REQUIRE_NATIVE=1 "$python" -m pytest -q test/python) 2>&1 \
  | tee "$build/pytest.log" || failed+=(pytest)
passed_total=$((passed_total + $(count "$build/pytest.log" '[0-9]+ passed')))
failed_total=$((failed_total + $(count "$build/pytest.log" '[0-9]+ failed')))

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  ((failed_total > 0)) || failed_total=${#failed[@]}
fi
echo "summary: $passed_total passed, $failed_total failed"
((${#failed[@]} == 0))
