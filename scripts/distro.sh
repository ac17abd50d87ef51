# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# Sourced by setup.sh and env.sh: the ROS 2 distribution of this workspace and where its venv,
# build and install trees live. ROS_DISTRO chooses (kilted, the default, or jazzy); Kilted keeps
# the historical paths (.venv, build, install), another distro gets its own (.venv-jazzy,
# build-jazzy, install-jazzy) so both set-ups coexist in one clone.
# Sets EMOTION_DISTRO, EMOTION_VENV, EMOTION_BUILD, EMOTION_INSTALL, EMOTION_STAMPS, EMOTION_LOG
# (colcon logs), EMOTION_REQUIREMENTS, EMOTION_TEST_BUILD and EMOTION_TEST_INSTALL (the test-only
# stand-in interface packages, test/stand_ins) (shell variables, not exported); returns 1 with a
# message for an unsupported distro.
emotion_layout() {
  local root="$1"
  EMOTION_DISTRO="${ROS_DISTRO:-kilted}"
  case "$EMOTION_DISTRO" in
    kilted)
      EMOTION_VENV="$root/.venv" EMOTION_BUILD="$root/build" EMOTION_INSTALL="$root/install"
      EMOTION_STAMPS="$root/.setup" EMOTION_LOG="$root/log"
      EMOTION_TEST_BUILD="$root/build-test" EMOTION_TEST_INSTALL="$root/install-test" ;;
    jazzy)
      EMOTION_VENV="$root/.venv-$EMOTION_DISTRO" EMOTION_BUILD="$root/build-$EMOTION_DISTRO"
      EMOTION_INSTALL="$root/install-$EMOTION_DISTRO" EMOTION_STAMPS="$root/.setup-$EMOTION_DISTRO"
      EMOTION_LOG="$root/log/colcon-$EMOTION_DISTRO"
      EMOTION_TEST_BUILD="$root/build-test-$EMOTION_DISTRO"
      EMOTION_TEST_INSTALL="$root/install-test-$EMOTION_DISTRO" ;;
    *)
      echo "ROS_DISTRO=$EMOTION_DISTRO: this workspace sets up kilted (default) or jazzy;" \
        "unset ROS_DISTRO or set it to one of those" >&2
      return 1 ;;
  esac
  EMOTION_REQUIREMENTS="$root/requirements/$EMOTION_DISTRO"
}
