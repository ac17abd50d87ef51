#!/usr/bin/env bash
# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# Run every test with pytest (colcon test exits 0 even when a test fails; pytest does not).
# Extra arguments go to pytest, e.g. scripts/run_tests.sh -k tracker.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/scripts/env.sh"
# The test-only stand-ins (hri_msgs, tf2_msgs; test/stand_ins/README.md) go on the paths for
# the tests only, and only those whose real package is absent: the real package wins.
# shellcheck disable=SC1091
source "$ROOT/scripts/distro.sh"
# shellcheck disable=SC1091
source "$ROOT/scripts/stand_ins.sh"
emotion_layout "$ROOT"
set +u
for name in $(emotion_stand_ins_needed "$ROOT" "$EMOTION_VENV" "$EMOTION_TEST_INSTALL"); do
  if [ -f "$EMOTION_TEST_INSTALL/$name/share/$name/package.bash" ]; then
    # shellcheck disable=SC1090
    source "$EMOTION_TEST_INSTALL/$name/share/$name/package.bash"
  else
    echo "run_tests: no $name here and no stand-in built: run scripts/setup.sh" >&2
  fi
done
set -u
cd "$ROOT"
export ROS_HOME="$ROOT/log/test-ros"
exec python -m pytest "$@"
