#!/usr/bin/env bash
# Installs what FlashTile needs on a fresh Debian 12 machine (idempotent, and
# quiet when everything is already there), then configures and builds it.
#   scripts/setup.sh            install + build into build/
#   FLASHTILE_SKIP_BUILD=1 ...  install only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLASHTILE_BUILD_DIR:-$root/build}

apt_packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
              libzstd-dev zlib1g-dev ccache ninja-build cmake libgtest-dev git)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c "import numpy, pytest, pybind11, ml_dtypes" 2>/dev/null; then
  echo "setup: installing Python packages (numpy pytest pybind11 ml_dtypes)"
  "$python" -m pip install -q --disable-pip-version-check numpy pytest pybind11 ml_dtypes
fi

[ -n "${FLASHTILE_SKIP_BUILD:-}" ] && exit 0
if [ ! -f "$build/build.ninja" ]; then
  "$root/scripts/configure.sh" "$build" -DPython3_EXECUTABLE="$(command -v "$python")" >/dev/null
fi
if ! ninja -C "$build" -n 2>/dev/null | grep -q "no work to do"; then
  echo "setup: building in $build (log: $build/ninja.log)"
  if ! ninja -C "$build" >"$build/ninja.log" 2>&1; then
    grep -vE '^\[[0-9]+/[0-9]+\] ' "$build/ninja.log" | tail -n 80
    echo "setup: build failed" >&2
    exit 1
  fi
fi
