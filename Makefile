# The two README commands. Each does the whole set-up first (idempotent, skipped when done).
# ROS_DISTRO=jazzy make test: the same on ROS 2 Jazzy (Kilted is the default); see scripts/distro.sh.
.PHONY: setup demo test lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/run_demo.sh

test: setup
	@bash scripts/run_tests.sh

lint: setup
	@bash scripts/run_tests.sh -m linter

bench: setup
	@bash -c 'source scripts/env.sh && python bench/bench_pipeline.py'

clean:
	rm -rf build install log out .setup build-jazzy install-jazzy .setup-jazzy build-test \
	  install-test build-test-jazzy install-test-jazzy
