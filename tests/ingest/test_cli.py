"""The `python -m ingest` command as users run it: real process, exit status, summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import BAD_FIXTURES, GOOD_FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_EMBED_PRECISION": "fp32"}
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_cli_exit_1_and_reasons_when_some_files_are_skipped(
    fixture_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    result = _run(str(fixture_dir), "--index", str(index))
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert f"skipped {fixture_dir / 'empty.pdf'}: empty file (0 bytes)" in out
    assert f"skipped {fixture_dir / 'scanned.pdf'}: no text layer on any of 2 pages" in out
    assert f"index written to {index}" in out
    # One progress line per file on a non-terminal (CI logs).
    assert result.stderr.count(f"/{len(GOOD_FIXTURES) + len(BAD_FIXTURES)}] ") == 13

    again = _run(str(fixture_dir), "--index", str(index))
    assert again.returncode == 1
    assert "index is up to date: nothing to write" in again.stdout


def test_cli_exit_0_when_everything_is_ingested(fixture_dir: Path, tmp_path: Path) -> None:
    result = _run(str(fixture_dir / "clean.pdf"), "--index", str(tmp_path / "i"), "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_cli_exit_2_when_nothing_is_usable(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "missing-folder"), "--index", str(tmp_path / "i"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stdout
    assert "no usable PDF: nothing written" in result.stdout
    assert not (tmp_path / "i").exists()


def test_cli_exit_2_on_bad_usage() -> None:
    assert _run().returncode == 2
