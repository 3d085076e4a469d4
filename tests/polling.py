"""Waiting for something another thread or process does, without sleeping longer than needed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, interval: float = 0.05) -> T | None:
    """Poll `check` until it returns something truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(interval)
