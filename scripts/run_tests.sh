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
cd "$ROOT"
export ROS_HOME="$ROOT/log/test-ros"
exec python -m pytest "$@"
