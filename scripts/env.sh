# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# Source after scripts/setup.sh: puts the venv's ROS 2 and the built workspace on the paths.
# Order matters: the venv goes into AMENT_PREFIX_PATH before install/setup.bash is sourced.
_EMOTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VIRTUAL_ENV="$_EMOTION_ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VIRTUAL_ENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
# shellcheck disable=SC1091
set +u
source "$_EMOTION_ROOT/install/setup.bash"
export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
# A 10 MB shared-memory segment: one 640x480 frame does not fit Fast DDS's default 512 KB.
export FASTDDS_DEFAULT_PROFILES_FILE="${FASTDDS_DEFAULT_PROFILES_FILE:-$_EMOTION_ROOT/config/fastdds.xml}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export ROS_HOME="${ROS_HOME:-$_EMOTION_ROOT/log/ros}"
unset _EMOTION_ROOT
