# Copyright 2026 The emotion_ros Authors
# Licensed under the Apache License, Version 2.0 (see scripts/COPYRIGHT_HEADER.txt).
#
# Sourced by setup.sh and run_tests.sh: which test-only stand-in interface packages
# (test/stand_ins: hri_msgs, tf2_msgs) this machine needs, i.e. whose real package is absent.
# A real package is looked for in the venv and in every prefix of AMENT_PREFIX_PATH (a
# sourced /opt/ros/<distro>, an overlay), never in the test install space itself, so the
# real package always wins where present.

# emotion_stand_ins_needed ROOT VENV TEST_INSTALL: print the names of the stand-ins to use.
emotion_stand_ins_needed() {
  local root="$1" venv="$2" test_install="$3" dir name prefix found
  local IFS_SAVED="$IFS"
  for dir in "$root"/test/stand_ins/*/; do
    name="$(basename "$dir")"
    [ -f "$dir/package.xml" ] || continue
    found=
    IFS=:
    for prefix in $venv ${AMENT_PREFIX_PATH:-}; do
      case "$prefix" in "$test_install"|"$test_install"/*) continue ;; esac
      if [ -e "$prefix/share/ament_index/resource_index/packages/$name" ]; then
        found=1
        break
      fi
    done
    IFS="$IFS_SAVED"
    [ -n "$found" ] || echo "$name"
  done
}
