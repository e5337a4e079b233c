"""A pytest plugin that records every check's message while the check tests run.

`teach.guide` runs ``pytest -p teach.record tests/test_checks_lesson*.py`` with
GAN_COURSE_RECORD_TO set to a file; every outcome any ``check_*`` reports (through
``_core.finish``) is written there as JSON: [[lesson, check, ok, message], ...].
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_LOG: list[tuple[str, str, bool, str]] = []


def pytest_configure(config) -> None:
    from gan_course.checks import _progress

    original = _progress.record

    def record(ok: bool, message: str) -> None:
        found = _progress._calling_check()
        if found is not None:
            _LOG.append((*found, bool(ok), message))
        original(ok, message)

    _progress.record = record


def pytest_sessionfinish(session, exitstatus) -> None:
    out = os.environ.get("GAN_COURSE_RECORD_TO")
    if out:
        Path(out).write_text(json.dumps(_LOG))
