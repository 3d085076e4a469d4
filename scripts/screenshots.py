"""`make screenshots`: the README's pictures of the web page, taken by headless Chromium.

Ingests the bundled sample into a temporary index, serves it with the real app, asks the
README's question, and writes docs/screenshots/{ask,viewer,phone}.png: the answer with its
citations, the cited page with the quote highlighted, and the same on a phone-sized window.
Needs Debian's chromium and chromium-driver (`make test` installs them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser and server helpers live with the tests

from core.config import Settings  # noqa: E402
from tests.service.live_server import live_server  # noqa: E402
from tests.ui import browser  # noqa: E402

QUESTION = "How many weeks of leave does the primary caregiver get?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    why = browser.missing()
    if why:
        sys.stderr.write(f"cannot take screenshots: {why}\n")
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.chdir(ROOT)  # stored paths read data/sample/..., as after `make run`
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from ingest.pipeline import run_ingest

    with tempfile.TemporaryDirectory(prefix="rag-screens-") as tmp:
        index = Path(tmp) / "index"
        settings = Settings(  # type: ignore[call-arg]
            index_dir=index, reranker="none", index_poll_s=0, _env_file=None
        )
        report = run_ingest(settings, [Path("data/sample")])
        if report.exit_code != 0:
            sys.stderr.write(f"ingest of data/sample failed: {report.skipped}\n")
            return 2
        with live_server(settings) as live, browser.chrome(1400, 900) as driver:
            browser.open_page(driver, live.url)
            browser.ask(driver, QUESTION)
            driver.execute_script("window.scrollTo(0, 0); document.activeElement.blur()")
            driver.save_screenshot(str(out / "ask.png"))
            browser.all_by_testid(driver, "citation")[0].click()
            note = browser.wait_viewer(driver)
            if note != "The quote is highlighted.":
                sys.stderr.write(f"the viewer says: {note}\n")
                return 1
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(out / "viewer.png"))
            driver.set_window_size(390, 844)
            browser.open_page(driver, live.url)
            browser.ask(driver, QUESTION)
            browser.all_by_testid(driver, "citation")[0].click()
            browser.wait_viewer(driver)
            driver.save_screenshot(str(out / "phone.png"))
    for name in ("ask", "viewer", "phone"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
