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
Configure and activate managed nodes through their ``lifecycle_msgs`` services.

What ``emotion_run`` does for its nodes, as the launch file does with launch_ros events: each
node is configured as soon as its ``change_state`` service is found, and activated as soon as
it is inactive. It is advanced by :meth:`LifecycleDriver.step`, called from the supervisor's
loop; a configure or activate that fails ends the run with the node's one-line reason, which
the node logs itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
import sys
import time
from typing import Optional

from emotion_ros.teardown_deadline import TeardownDeadline
from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
import rclpy
from rclpy.client import Client
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions
from rclpy.task import Future

# The steps every node goes through, in order: transition, its label, and the primary states
# before and after it.
STEPS = ((Transition.TRANSITION_CONFIGURE, 'configure', State.PRIMARY_STATE_UNCONFIGURED,
          State.PRIMARY_STATE_INACTIVE),
         (Transition.TRANSITION_ACTIVATE, 'activate', State.PRIMARY_STATE_INACTIVE,
          State.PRIMARY_STATE_ACTIVE))
# The state label a node is in after a successful transition.
STATE_AFTER = {Transition.TRANSITION_CONFIGURE: 'inactive',
               Transition.TRANSITION_ACTIVATE: 'active'}
# A service response not back after this long is taken as lost: the node's state is asked
# instead (s). Fast DDS drops a response when the server has not yet discovered the client's
# reply reader ("failed to send response (timeout)"), which happens here under load.
RESPONSE_TIMEOUT = 3.0
# A node still not active this long after the driver started is reported, once (s).
ACTIVE_REPORT_AFTER = 30.0


@dataclass
class _Managed:
    """One managed node: its clients, where it is in :data:`STEPS`, the request in flight."""

    name: str
    change: Client
    get: Client
    step: int = 0
    pending: Optional[Future] = None
    asking_state: bool = False
    sent: float = 0.0
    recheck: bool = False  # a transition is under way: ask the state again, send nothing
    # The transition was sent again after a response was taken as lost: the first request may
    # still arrive after the second, succeed, and leave the second refused (invalid from the
    # state the first reached), so a refusal is checked against the node's state.
    resent: bool = False
    verifying: bool = False  # a refusal after a resend: the state decides
    state: str = 'its lifecycle services not found'  # what is known of its state, for the report
    reported: bool = False  # its "still not active" line was printed


class LifecycleDriver:
    """Bring managed nodes to active, each on its own as soon as it can."""

    def __init__(self, names: list[str],
                 report: Callable[[str], None] = lambda text: print(text, file=sys.stderr)
                 ) -> None:
        """
        Create the client node (in its own context, without rclpy's signal handlers).

        :param names: the nodes' fully qualified names ('/cam1/camera').
        :param report: prints one line (a node still not active after
            :data:`ACTIVE_REPORT_AFTER` s).
        """
        self._report = report
        self._started = time.monotonic()
        self._context = Context()
        rclpy.init(context=self._context, signal_handler_options=SignalHandlerOptions.NO)
        self._node = Node('emotion_run_lifecycle', context=self._context)
        self._executor = SingleThreadedExecutor(context=self._context)
        self._executor.add_node(self._node)
        self._nodes = [_Managed(name,
                                self._node.create_client(ChangeState, f'{name}/change_state'),
                                self._node.create_client(GetState, f'{name}/get_state'))
                       for name in names]

    def all_active(self) -> bool:
        """Tell whether every node has been brought to active."""
        return all(node.step >= len(STEPS) for node in self._nodes)

    def step(self) -> Optional[str]:
        """
        Handle what arrived and send what is due; never blocks.

        :returns: None, or the reason the run must stop (a transition failed).
        """
        for _ in range(1 + sum(node.pending is not None for node in self._nodes)):
            self._executor.spin_once(timeout_sec=0.0)
        late = time.monotonic() - self._started > ACTIVE_REPORT_AFTER
        for node in self._nodes:
            if node.step < len(STEPS):
                problem = self._advance(node)
                if problem is not None:
                    return problem
                if late and not node.reported and node.step < len(STEPS):
                    node.reported = True
                    self._report(f'ERROR: {node.name.lstrip("/")} is still not active '
                                 f'{ACTIVE_REPORT_AFTER:g} s after the start (state: '
                                 f'{node.state})')
        return None

    def _advance(self, node: _Managed) -> Optional[str]:
        transition, label, before, after = STEPS[node.step]
        if node.pending is None:
            if node.recheck:
                node.recheck = False
                self._send(node, node.get, GetState.Request(), asking_state=True)
            elif node.change.service_is_ready():
                self._send(node, node.change, ChangeState.Request(
                    transition=Transition(id=transition)), asking_state=False)
                node.state = f'{label} sent, not answered'
            return None
        if not node.pending.done():
            if time.monotonic() - node.sent > RESPONSE_TIMEOUT:
                client = node.get if node.asking_state else node.change
                client.remove_pending_request(node.pending)
                self._send(node, node.get, GetState.Request(), asking_state=True)
            return None
        response = node.pending.result()
        node.pending = None
        if node.asking_state:
            state = response.current_state
            node.state = state.label
            if state.id == after:
                node.step += 1
                node.resent = node.verifying = False
            elif state.id >= State.TRANSITION_STATE_CONFIGURING:
                node.recheck = True  # configuring, activating...: still under way
            elif state.id != before or node.verifying:
                return f'{node.name.lstrip("/")} failed to {label} (now {state.label})'
            else:
                node.resent = True  # still before: the transition is sent again
            return None
        if not response.success:
            if node.resent:  # maybe refused because the first request got there first
                node.resent, node.verifying, node.recheck = False, True, True
                return None
            return f'{node.name.lstrip("/")} failed to {label}'
        node.step += 1
        node.resent = node.verifying = False
        node.state = STATE_AFTER[transition]
        return None

    def _send(self, node: _Managed, client: Client, request, asking_state: bool) -> None:
        node.pending = client.call_async(request)
        node.asking_state = asking_state
        node.sent = time.monotonic()

    def close(self) -> None:
        """Destroy the client node and its context, within the teardown deadline."""
        self._executor.shutdown(timeout_sec=0.0)
        with TeardownDeadline(self._node.get_name()):
            self._node.destroy_node()
            rclpy.try_shutdown(context=self._context)
