# Copyright 2026 The emotion_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
The lifecycle (managed) node base of the camera, the face tracker and the classifier.

Each transition calls one method of the subclass, so a node reads as four short steps:

- ``configure`` (on_configure): declare and check the parameters, load the model or detector,
  open the source. An error returns FAILURE with the same one-line reason as before; the node
  stays unconfigured and alive, so a lifecycle manager can retry.
- ``activate`` / ``deactivate``: start and stop capturing, subscribing and publishing. An
  inactive tracker or classifier holds no image subscription, so DDS delivers it nothing.
- ``release`` (on_cleanup and on_shutdown, and at exit): give everything back.

``autostart`` (a parameter) makes the node configure and activate itself, for running it
without a manager; ``emotion_run`` and the launch file drive the transitions instead.
"""

from collections.abc import Callable
import threading

from emotion_ros.core.config import AUTOSTART_DEFAULT, AUTOSTART_DESCRIPTION
from emotion_ros.nodes.node_main import first_line, STARTUP_ERRORS, StartupError
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn

# Errors of a configure step that become FAILURE with their first line logged.
CONFIGURE_ERRORS = (StartupError, *STARTUP_ERRORS, _rclpy.RCLError)
# An autostart still not at active this long after it began is an ERROR in the log (s): a
# configure (model or detector load, device open) takes 0.1-5 s here, even under load.
AUTOSTART_REPORT_AFTER = 30.0


class ManagedNode(LifecycleNode):
    """A lifecycle node: configure, activate, deactivate, release; one-line failures."""

    def __init__(self, name: str) -> None:
        """Create the node (unconfigured) and declare ``autostart``."""
        super().__init__(name)
        self.finished = False
        self.exit_code = 0
        # Set by the process's main loop: wakes it so it sees ``finished`` at once.
        self.wake: Callable[[], None] = lambda: None
        self._active = False
        self.configured = False
        self.declare_parameter('autostart', AUTOSTART_DEFAULT, ParameterDescriptor(
            description=AUTOSTART_DESCRIPTION, read_only=True))

    # What a subclass implements.

    def configure(self) -> None:
        """Declare and check parameters, acquire the stage's resources; raise on error."""

    def activate(self) -> None:
        """Start capturing, subscribing and publishing."""

    def deactivate(self) -> None:
        """Stop capturing, subscribing and publishing."""

    def release(self) -> None:
        """Give back everything a successful ``configure`` acquired."""

    # The lifecycle callbacks.

    def _LifecycleNodeMixin__change_state(self, transition_id: int) -> TransitionCallbackReturn:
        """
        Refuse a transition that is invalid from the current state; else make it.

        Every transition (a ``change_state`` request, ``trigger_*``) passes here. Kilted's rclpy
        refuses an invalid one; Jazzy's raises from the service callback and the node's process
        dies (a late lifecycle request that a manager resent, or a stray ``ros2 lifecycle set``).
        Overrides rclpy's private method of that name, which is the one place both distros
        route every transition through (checked by test_lifecycle on each).
        """
        valid = {transition[0] for transition in self._state_machine.available_transitions}
        if transition_id not in valid:
            self.get_logger().error(f'refused transition {transition_id}: not valid from '
                                    f'{self.state_label}')
            return TransitionCallbackReturn.ERROR
        return super()._LifecycleNodeMixin__change_state(transition_id)

    @property
    def state_label(self) -> str:
        """Return the lifecycle state: unconfigured, inactive, active, finalized, ..."""
        return self._state_machine.current_state[1]

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Configure; a failure is logged in one line and leaves the node unconfigured."""
        try:
            self.configure()
        except CONFIGURE_ERRORS as error:
            # Each configure acquires its resources after its last check that can fail.
            self.get_logger().error(f'cannot configure: {first_line(error)}')
            return TransitionCallbackReturn.FAILURE
        self.configured = True
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Enable the lifecycle publishers, then start the stage."""
        result = super().on_activate(state)
        self._active = True
        self.activate()
        return result

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop the stage, then disable the lifecycle publishers."""
        self._active = False
        self.deactivate()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything; the node is unconfigured again."""
        self.teardown()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything before the node is finalized."""
        self.teardown()
        return TransitionCallbackReturn.SUCCESS

    def teardown(self) -> None:
        """Stop and release whatever the node holds, in any state (also at process exit)."""
        if self._active:
            self._active = False
            self.deactivate()
        if self.configured:
            self.configured = False
            self.release()

    def finish(self, code: int = 0) -> None:
        """End the process (e.g. a video source that ended) with ``code``."""
        self.finished = True
        self.exit_code = code
        self.wake()

    def autostart_if_asked(self) -> bool:
        """
        With ``autostart``, configure and activate now; :returns: False if configure failed.

        Called by the process's main loop before it spins.
        """
        if not self.get_parameter('autostart').value:
            return True
        # Nothing waits forever without a word: a configure that blocks (a device that never
        # opens) is reported from this timer thread (the main thread waits in C meanwhile).
        report = threading.Timer(AUTOSTART_REPORT_AFTER, self._report_not_active)
        report.daemon = True
        report.start()
        try:
            if self.trigger_configure() != TransitionCallbackReturn.SUCCESS:
                return False
            return self.trigger_activate() == TransitionCallbackReturn.SUCCESS
        finally:
            report.cancel()

    def _report_not_active(self) -> None:
        self.get_logger().error(f'autostart: still not active {AUTOSTART_REPORT_AFTER:g} s '
                                f'after it began (state: {self.state_label})')
