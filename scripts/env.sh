# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# Source after scripts/setup.sh: puts the venv's ROS 2 and the built workspace on the paths.
# ROS_DISTRO picks the set-up (kilted, the default, or jazzy; see scripts/distro.sh).
# Order matters: the venv goes into AMENT_PREFIX_PATH before install/setup.bash is sourced.
_EMOTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$_EMOTION_ROOT/scripts/distro.sh"
if emotion_layout "$_EMOTION_ROOT"; then
  if [ ! -f "$EMOTION_INSTALL/setup.bash" ]; then
    echo "env.sh: $EMOTION_INSTALL/setup.bash missing: run ROS_DISTRO=$EMOTION_DISTRO" \
      "scripts/setup.sh first" >&2
  fi
  export ROS_DISTRO="$EMOTION_DISTRO"
  export VIRTUAL_ENV="$EMOTION_VENV"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
  export CMAKE_PREFIX_PATH="$VIRTUAL_ENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  set +u
  # shellcheck disable=SC1091
  source "$EMOTION_INSTALL/setup.bash"
  export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
  # A 10 MB shared-memory segment: one 640x480 frame does not fit Fast DDS's default 512 KB.
  # Fast DDS 2 (Jazzy, Humble) reads only FASTRTPS_DEFAULT_PROFILES_FILE and silently ignores
  # FASTDDS_DEFAULT_PROFILES_FILE; Fast DDS 3 (Kilted) reads FASTDDS_DEFAULT_PROFILES_FILE, and
  # FASTRTPS_DEFAULT_PROFILES_FILE too but with a deprecation warning in every node (and a second
  # 10 MB segment): both on Jazzy, only the first on Kilted. The nodes warn when neither applies.
  export FASTDDS_DEFAULT_PROFILES_FILE="${FASTDDS_DEFAULT_PROFILES_FILE:-$_EMOTION_ROOT/config/fastdds.xml}"
  if [ "$ROS_DISTRO" != kilted ]; then
    export FASTRTPS_DEFAULT_PROFILES_FILE="${FASTRTPS_DEFAULT_PROFILES_FILE:-$FASTDDS_DEFAULT_PROFILES_FILE}"
  fi
  # The wheels' shared libraries on LD_LIBRARY_PATH here, once: otherwise every Python start
  # in the venv re-executes itself to set it (ros-wheels-bootstrapper), which costs 40-100 ms
  # per process and doubles the start-up window in which a stop signal meets a bare interpreter.
  # This venv's libraries go first, even if another distro's env.sh was sourced before.
  _emotion_libs="$VIRTUAL_ENV/lib"
  for _emotion_dir in "$VIRTUAL_ENV"/lib/python3.*/site-packages/ros_*.libs; do
    [ -d "$_emotion_dir" ] && _emotion_libs="$_emotion_libs:$_emotion_dir"
  done
  export LD_LIBRARY_PATH="$_emotion_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export _ROS_WHEELS_BOOTSTRAP_COMPLETE=1
  unset _emotion_libs _emotion_dir
  export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
  export ROS_HOME="${ROS_HOME:-$_EMOTION_ROOT/log/ros}"
fi
unset _EMOTION_ROOT EMOTION_DISTRO EMOTION_VENV EMOTION_BUILD EMOTION_INSTALL EMOTION_STAMPS \
  EMOTION_LOG EMOTION_REQUIREMENTS EMOTION_TEST_BUILD EMOTION_TEST_INSTALL
unset -f emotion_layout
