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
What the three scripts in ``training/`` share: their parser, their errors and exit status.

Each script first makes ``emotion_ros`` importable (the installed package or ``PYTHONPATH``
win; the clone's root is appended only as a fallback, so the scripts also run from a plain
clone), then hands :func:`run` its parser, its work and the errors that work raises for bad
input. Every such error, and a missing dependency, becomes one line
``<script>: error: <reason>`` on stderr and exit status :data:`EXIT_ERROR`, never a traceback.
Nothing here runs at import, and this module imports only the standard library.
"""

import argparse
from pathlib import Path
import sys
from typing import Callable, List, Optional, Tuple, Type

EXIT_ERROR = 2  # exit status for a data, model, source or option error (argparse's own too)
SETUP_HINT = 'run scripts/setup.sh'  # what to do when a dependency is missing

# The exception classes a script's work raises for bad input (printed as one line).
Errors = Tuple[Type[BaseException], ...]


def make_parser(doc: str) -> argparse.ArgumentParser:
    """
    Start a script's parser, described by the first paragraph of its docstring.

    :param doc: the script's ``__doc__``.
    :returns: a parser with no options yet.
    """
    return argparse.ArgumentParser(description=doc.split('\n\n')[0])


def fail(script: str, message: str) -> int:
    """
    Print ``<script>: error: <message>`` on stderr.

    :param script: the script's file name, e.g. 'train.py'.
    :param message: the reason, one line.
    :returns: :data:`EXIT_ERROR`.
    """
    print(f'{script}: error: {message}', file=sys.stderr)
    return EXIT_ERROR


def run(script_file: str, build_parser: Callable[[], argparse.ArgumentParser],
        expected_errors: Callable[[], Errors],
        work: Callable[[argparse.ArgumentParser, argparse.Namespace], object],
        argv: Optional[List[str]] = None) -> int:
    """
    Run a script's command line: build its parser, parse, then do its work.

    The parser and the error classes are built first, so that a package that cannot be
    imported is one message too. ``work`` may call ``parser.error`` for an option that
    argparse cannot check (exit status 2, argparse's usage line).

    :param script_file: the script's ``__file__``; its name starts every message.
    :param build_parser: returns the script's parser (it may import the library).
    :param expected_errors: returns the exception classes that ``work`` raises for bad data,
        models, sources or options; each is printed as its message. An ``ImportError`` not
        among them is printed as a missing dependency with :data:`SETUP_HINT`.
    :param work: does the script's job with the parser and the parsed arguments (what it
        returns is not used).
    :param argv: the arguments (default: ``sys.argv[1:]``).
    :returns: the exit status: 0 on success, :data:`EXIT_ERROR` on an error.
    """
    script = Path(script_file).name
    try:
        parser = build_parser()
        expected = expected_errors()
    except ImportError as error:
        return fail(script, f'cannot import emotion_ros: {error}')
    args = parser.parse_args(argv)
    try:
        work(parser, args)
    except expected as error:
        return fail(script, str(error))
    except ImportError as error:
        return fail(script, f'a dependency is missing ({error}); {SETUP_HINT}')
    return 0
