"""Browser fixtures: Chromium (skipped when absent unless RAG_REQUIRE_BROWSER=1) and the real
app served over HTTP by uvicorn on the session's sample index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.embed import Embedder
from tests.factories import make_settings
from tests.service.live_server import Live, live_server
from tests.ui import browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> None:
    why = browser.missing()
    if why is None:
        return
    if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RAG_REQUIRE_BROWSER=1 but no browser can run: {why}")
    pytest.skip(f"browser tests need Chromium: {why}")


@pytest.fixture(scope="module")
def driver(chromium: None) -> Iterator[Any]:
    with browser.chrome() as d:
        yield d


@pytest.fixture(scope="module")
def app(sample_index: Path, embedder: Embedder) -> Iterator[Live]:
    """The real app on the sample index (read-only: tests that upload use their own)."""
    with live_server(make_settings(sample_index), embedder) as live:
        yield live
