"""The `python -m ingest` command as users run it: real process, exit status, summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import BAD_FIXTURES, GOOD_FIXTURES
from tests.fixtures import make_hostile
from tests.ingest import procs
from tests.polling import wait_for

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


def test_hardening_05_odd_names_never_crash_the_cli(fixture_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "a[").mkdir()  # the path holds rich markup: ".../a[/]b [bold]x.pdf"
    shutil.copy(fixture_dir / "clean.pdf", folder / "a[" / "]b [bold]x.pdf")
    shutil.copy(fixture_dir / "labels.pdf", folder / "new\nline.pdf")
    shutil.copy(fixture_dir / "injection.pdf", os.fsdecode(bytes(folder) + b"/caf\xe9.pdf"))
    make_hostile.symlink_loop(folder / "loop.pdf")
    index = tmp_path / "index"
    result = _run(str(folder), "--index", str(index))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert f"index written to {index}" in out
    assert f"skipped {folder / 'loop.pdf'}: symbolic link loop" in out
    # Progress lines: the markup is printed as is, the newline as \n, the byte as \xe9.
    assert f"{folder / 'a[/]b [bold]x.pdf'}: 3 pages" in result.stderr
    assert f"{folder}/new\\nline.pdf: 4 pages" in result.stderr
    assert f"{folder}/caf\\xe9.pdf: 1 pages" in result.stderr
    manifest = json.loads(next(index.glob("gen-*/manifest.json")).read_text(encoding="utf-8"))
    assert sorted(d["path"][len(str(folder)) + 1 :] for d in manifest["documents"]) == [
        "a[/]b [bold]x.pdf",
        "caf\\xe9.pdf",
        "new\nline.pdf",
    ]
    again = _run(str(folder), "--index", str(index))
    assert again.returncode == 1 and "index is up to date" in again.stdout, again.stderr


def test_hardening_11_parse_workers_die_with_a_killed_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    for seed in range(3):  # minutes of parsing each: the workers are busy when the kill comes
        make_hostile.slow_pdf(folder / f"slow{seed}.pdf", seed=seed)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_EMBED_PRECISION": "fp32"}
    env["RAG_PARSE_WORKERS"] = "2"
    ingest = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(folder), "--index", str(tmp_path / "i"), "-q"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with procs.reaped([]) as leftovers:
        try:
            busy = wait_for(
                lambda: [p for p in procs.spawn_workers(ingest.pid) if procs.cpu_seconds(p) > 1],
                120,
            )
            assert busy, "no parse worker started"
            leftovers.extend(procs.spawn_workers(ingest.pid))
        finally:
            ingest.kill()  # SIGKILL: no cleanup code of the ingest runs
            ingest.wait()
        gone = wait_for(lambda: not any(procs.alive(p) for p in leftovers), 5)
        assert gone, [p for p in leftovers if procs.alive(p)]


def test_hardening_15_unwritable_index_exits_2_with_one_line(
    fixture_dir: Path, tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "index"
    not_a_dir.write_text("a file where the index folder should be")
    result = _run(str(fixture_dir / "clean.pdf"), "--index", str(not_a_dir), "-q")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"ingest failed: cannot write the index at {not_a_dir}: ")
    assert "--debug" in lines[0]
    debug = _run(str(fixture_dir / "clean.pdf"), "--index", str(not_a_dir), "-q", "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr
