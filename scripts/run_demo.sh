#!/usr/bin/env bash
# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# The demo: the whole graph on the real face video fetched at set-up, emotions printed as they
# arrive, the annotated frames written to out/demo.mp4; exits 0 when the video ends.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/scripts/env.sh"
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( 101 - $$ % 50 ))}"
mkdir -p "$ROOT/out"
VIDEO="${1:-$ROOT/assets/media/single_face.mp4}"
echo "demo: $VIDEO -> camera -> face_tracker -> emotion_classifier (domain $ROS_DOMAIN_ID)"
# install/ or install-<distro>/, whichever env.sh put on the ament index.
PREFIX="$(python -c "from ament_index_python.packages import get_package_prefix as p; print(p('emotion_ros'))")"
"$PREFIX/lib/emotion_ros/emotion_run" --source "$VIDEO" --echo --record "$ROOT/out/demo.mp4"
echo "demo: annotated video in out/demo.mp4"
