#!/usr/bin/env bash
# FlashTile on a GPU machine that has no LLVM/MLIR (the lent H100/H200:
# Ubuntu 24.04, Python 3.12 with torch and triton, g++, CUDA 13).
#
#   scripts/device.sh pack      (here) build libFlashTile.so, flash-translate and
#                               flash-opt, and pack them into bundle/flashtile.tar.xz
#                               with libLLVM.so.22.1, the libraries it needs that
#                               the GPU machine may lack, and a prebuilt binding
#                               for CPython 3.12 (a fallback only).
#   scripts/device.sh run [what] (there) unpack the bundle, build the pybind11
#                               binding with the machine's g++ and python3
#                               against the bundled libFlashTile.so, then run
#                               `what`:
#       tests     GPU pytest suite: test_gpu_attention, test_gpu_jit,
#                 test_cuda_launch, test_autotune, test_ptxas (about 4 minutes)
#       sanitize  compute-sanitizer memcheck and racecheck on attention
#                 forward + backward (python3 -m flashtile.demo --small, then
#                 test/python/sanitize_variants.py)
#       bench     bench/bench_attention.py (speed, memory, launch overhead)
#       tune      bench/tune_attention.py: times the attention kernels over
#                 launch configurations (not part of all)
#       exec S CMD...  any command CMD with the bundle set up, under a limit of
#                 S seconds, logged to exec.log (e.g. ncu or a custom bench)
#       all       tests, sanitize and bench, in that order (the default), in under 9 minutes
#                 (the bench then gets a shorter time budget)
#               Everything is logged to $OUT (or ./device-out), in at most 8
#               files (what the device tool brings back): device.txt (machine,
#               versions, binding build, step timings), pytest.log,
#               sanitizer.log, bench.log, bench_attention.json/.md, speedup.png,
#               memory.png. Exits non-zero if a step failed.
#
# From the lead's session (the bundle is gitignored, so it must be carried):
#   scripts/device.sh pack
#   device run: command "scripts/device.sh run all", carry ["bundle"]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
what=${2:-all}
bundle=$root/bundle/flashtile.tar.xz

# -- pack (here) ---------------------------------------------------------------

# Libraries libLLVM.so.22.1 links besides glibc/libstdc++/libgcc: shipped in
# extra/ and used only where the GPU machine lacks them (see resolve_libs).
extra_libs=(libffi.so.8 libedit.so.2 libz3.so.4 libz.so.1 libzstd.so.1 libxml2.so.2
            libtinfo.so.6 libbsd.so.0 libmd.so.0 liblzma.so.5 libicuuc.so.72 libicudata.so.72)

pack() {
  set -e
  local build=${FLASHTILE_BUILD_DIR:-$root/build}
  if [[ ! -f $build/build.ninja ]]; then
    "$root/scripts/setup.sh"
  else
    local lock=(); command -v flock >/dev/null && lock=(flock /tmp/ft-build.lock)
    "${lock[@]}" ninja -C "$build" FlashTile flash-translate flash-opt flashtile_core
  fi
  local stage; stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  mkdir -p "$stage/flashtile/lib" "$stage/flashtile/extra" "$stage/flashtile/bin" \
           "$stage/flashtile/python" "$root/bundle"
  cp "$build/lib/libFlashTile.so" "$stage/flashtile/lib/"
  cp -L /usr/lib/x86_64-linux-gnu/libLLVM.so.22.1 "$stage/flashtile/lib/"
  cp "$build/bin/flash-translate" "$build/bin/flash-opt" "$stage/flashtile/bin/"
  for lib in "${extra_libs[@]}"; do
    # awk reads all of ldconfig's output: an early exit would close the pipe
    # and fail the pack with SIGPIPE (exit 141) under pipefail.
    local path; path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found {print $NF; found = 1}')
    if [[ -n $path ]]; then cp -L "$path" "$stage/flashtile/extra/"; else echo "pack: no $lib here"; fi
  done
  strip --strip-unneeded "$stage"/flashtile/lib/*.so* "$stage"/flashtile/extra/*.so* \
    "$stage"/flashtile/bin/* 2>/dev/null || true

  # A CPython 3.12 build of the binding, in case the GPU machine cannot
  # compile one (no Python.h there): needs Python 3.12's headers here.
  local pyinc="" candidate
  for candidate in /usr/include/python3.12 /usr/local/include/python3.12 \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/include/python3.12; do
    [[ -f $candidate/Python.h ]] && { pyinc=$candidate; break; }
  done
  local pybind; pybind=$(python3 -c "import pybind11; print(pybind11.get_include())" 2>/dev/null || true)
  if [[ -n $pyinc && -n $pybind ]]; then
    g++ -O2 -std=c++17 -shared -fPIC -fexceptions -I"$root/include" -I"$pybind" -I"$pyinc" \
      "$root/python/src/core.cpp" -L"$build/lib" -lFlashTile \
      -o "$stage/flashtile/python/_core.cpython-312-x86_64-linux-gnu.so"
    strip --strip-unneeded "$stage"/flashtile/python/*.so
  else
    echo "pack: no Python 3.12 headers here; the bundle has no fallback binding"
  fi
  git -C "$root" rev-parse HEAD > "$stage/flashtile/COMMIT" 2>/dev/null || true
  tar -C "$stage" -cf - flashtile | xz -T2 -6 > "$bundle"
  local size; size=$(stat -c %s "$bundle")
  echo "bundle/flashtile.tar.xz: $((size / 1048576)) MiB"
  tar -tvJf "$bundle" | awk '{printf "  %8d KiB  %s\n", $3 / 1024, $6}'
  if ((size > 55 * 1048576)); then
    echo "pack: the bundle is over 55 MiB (the device call carries at most 64 MiB)" >&2
    return 1
  fi
}

# -- run (there) -----------------------------------------------------------------

out=${OUT:-$root/device-out}
prefix=/tmp/flashtile-bundle

log() { echo "== $*" | tee -a "$out/device.txt"; }

# Links the bundled libraries that this machine lacks (and only those) next
# to libFlashTile.so, so that nothing of the system is shadowed.
resolve_libs() {
  local lib=$prefix/flashtile/lib
  for _ in 1 2 3 4 5; do
    local missing
    missing=$(LD_LIBRARY_PATH=$lib ldd "$lib/libFlashTile.so" | awk '/not found/ {print $1}' | sort -u)
    [[ -z $missing ]] && return 0
    local added=0
    for name in $missing; do
      if [[ -f $prefix/flashtile/extra/$name ]]; then
        ln -sf "../extra/$name" "$lib/$name"
        echo "using the bundled $name" >> "$out/device.txt"
        added=1
      fi
    done
    ((added)) || { echo "missing libraries: $missing" | tee -a "$out/device.txt"; return 1; }
  done
}

build_binding() {
  local suffix; suffix=$(python3 -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
  local target=$root/python/flashtile/_core$suffix
  # The plain build line of python/src/core.cpp (see its header).
  if c++ -O2 -std=c++17 -shared -fPIC -fexceptions -I"$root/include" \
      $(python3 -m pybind11 --includes) "$root/python/src/core.cpp" \
      -L"$prefix/flashtile/lib" -lFlashTile -Wl,-rpath,"$prefix/flashtile/lib" \
      -o "$target" > /tmp/flashtile-binding.log 2>&1; then
    echo "binding: built with $(c++ --version | head -n1)" | tee -a "$out/device.txt"
  elif [[ -f $prefix/flashtile/python/_core$suffix ]]; then
    { echo "binding: the build failed; using the bundle's prebuilt $suffix. The build said:"
      tail -n 20 /tmp/flashtile-binding.log; } | tee -a "$out/device.txt"
    cp "$prefix/flashtile/python/_core$suffix" "$target"
  else
    { echo "binding: the build failed and the bundle has no $suffix build:"
      tail -n 40 /tmp/flashtile-binding.log; } | tee -a "$out/device.txt" >&2
    return 1
  fi
}

# Runs a step under a time limit, appending to $out/$3; the status is
# recorded, the remaining steps still run.
status=0
step() {
  local name=$1 limit=$2 logfile=$out/$3; shift 3
  log "$name: $* (limit ${limit}s)"
  echo "== $name: $*" >> "$logfile"
  local begin=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >> "$logfile" 2>&1
  local rc=$?
  echo "$name: exit $rc after $((SECONDS - begin)) s" | tee -a "$out/device.txt"
  if ((rc == 124 || rc == 137)); then echo "$name: TIMED OUT" | tee -a "$out/device.txt"; fi
  ((rc == 0)) || status=1
  return $rc
}

sanitize() {
  local tool=$1 limit=$2
  # The caching allocator would hide out-of-bounds accesses inside its pools.
  export PYTORCH_NO_CUDA_MEMORY_CACHING=1
  local filter=(--kernel-name kns=attention) before=$status
  local mark; mark=$(wc -l < "$out/sanitizer.log")
  step "$tool" "$limit" sanitizer.log compute-sanitizer --tool "$tool" "${filter[@]}" \
    --error-exitcode 3 python3 -m flashtile.demo --device cuda --small
  local rc=$?
  if ((rc != 0)) && tail -n +"$((mark + 1))" "$out/sanitizer.log" \
      | grep -qiE "unrecognized|unknown option|invalid option"; then
    echo "$tool: no --kernel-name filter in this compute-sanitizer; checking every kernel" \
      | tee -a "$out/device.txt"
    status=$before
    step "$tool" "$limit" sanitizer.log compute-sanitizer --tool "$tool" --error-exitcode 3 \
      python3 -m flashtile.demo --device cuda --small
  fi
  # The variants (GQA, windows, softcap, ALiBi), with the filter that worked.
  step "$tool-variants" "$limit" sanitizer.log compute-sanitizer --tool "$tool" \
    $( ((rc == 0)) && echo "${filter[@]}") --error-exitcode 3 \
    python3 test/python/sanitize_variants.py
  unset PYTORCH_NO_CUDA_MEMORY_CACHING
  tail -n 6 "$out/sanitizer.log"
}

run() {
  local start=$SECONDS
  mkdir -p "$out"
  rm -f "$out"/{device.txt,pytest.log,sanitizer.log,bench.log,exec.log}
  touch "$out"/{device.txt,pytest.log,sanitizer.log,bench.log}
  if [[ ! -f $bundle ]]; then
    echo "no $bundle: run 'scripts/device.sh pack' here first and carry bundle/" >&2
    return 1
  fi
  rm -rf "$prefix" && mkdir -p "$prefix"
  xz -dc "$bundle" | tar -C "$prefix" -xf - || return 1
  log "bundle of commit $(cat "$prefix/flashtile/COMMIT" 2>/dev/null || echo '?'), $what"
  resolve_libs || return 1
  export LD_LIBRARY_PATH="$prefix/flashtile/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$prefix/flashtile/bin:$PATH"
  export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
  export FLASHTILE_CACHE_DIR=/tmp/flashtile-cache PYTHONUNBUFFERED=1
  build_binding || return 1
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
    python3 -c "import torch, flashtile; print('torch', torch.__version__, '|',
torch.cuda.get_device_name() if torch.cuda.is_available() else 'no CUDA device', '| flashtile',
flashtile.compiler_version())" 2>&1
    compute-sanitizer --version 2>&1 | tail -n 1
  } | tee -a "$out/device.txt"
  cd "$root" || return 1

  if [[ $what == all || $what == tests ]]; then
    local parallel=()
    python3 -c "import xdist" 2>/dev/null && parallel=(-n 4)
    step pytest 330 pytest.log python3 -m pytest -q -rs -p no:cacheprovider "${parallel[@]}" \
      test/python/test_gpu_attention.py test/python/test_gpu_jit.py \
      test/python/test_cuda_launch.py test/python/test_autotune.py test/python/test_ptxas.py
    tail -n 15 "$out/pytest.log"
  fi
  if [[ $what == all || $what == sanitize ]]; then
    sanitize memcheck 80
    sanitize racecheck 80
  fi
  if [[ $what == exec ]]; then
    # Any command with the bundle set up, e.g. an ncu profile:
    #   scripts/device.sh run exec 300 ncu ... python3 bench/profile_attention.py
    local limit=$1; shift
    step exec "$limit" exec.log "$@"
    tail -n 40 "$out/exec.log"
  fi
  if [[ $what == tune ]]; then
    step tune 540 bench.log python3 bench/tune_attention.py --out "$out"
    tail -n 40 "$out/bench.log"
  fi
  if [[ $what == all || $what == bench ]]; then
    # Within 9 minutes in all: what is left, minus the bench's own tail.
    local budget=420
    [[ $what == all ]] && budget=$((480 - (SECONDS - start) - 50))
    ((budget < 60)) && budget=60
    step bench $((budget + 90)) bench.log python3 bench/bench_attention.py --out "$out" --budget-s "$budget"
    tail -n 40 "$out/bench.log"
  fi
  log "done in $((SECONDS - start)) s, status $status"
  return $status
}

case "$cmd" in
  pack) pack ;;
  run) shift 2; run "$@" ;;
  *) sed -n '2,30p' "$0"; exit 2 ;;
esac
