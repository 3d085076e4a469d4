"""Settings: one line per bad value at start-up, and a README table that matches the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings, load_settings, markdown_table
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_readme_configuration_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- settings-table:[^\n]*-->\n(.*?)\n<!-- /settings-table -->", readme, re.S
    )
    assert block is not None, "README.md lost its settings-table markers"
    assert block[1] == markdown_table(), "run `make config-table` and commit README.md"


def test_every_setting_is_documented() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_bad_values_name_each_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "0")
    monkeypatch.setenv("RAG_FUSION", "max")
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    assert str(err.value) == (
        "invalid settings: RAG_FUSION: Input should be 'rrf' or 'weighted' (got 'max'); "
        "RAG_TOP_K: Input should be greater than or equal to 1 (got '0')"
    )


def test_openai_generator_without_url_is_a_settings_error() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None, generator="openai")
    assert str(err.value) == (
        "invalid settings: settings: RAG_GENERATOR=openai needs RAG_LLM_BASE_URL "
        "(e.g. http://localhost:11434/v1)"
    )


@pytest.mark.parametrize("module", ["service", "ingest", "eval", "service.search"])
def test_entry_points_report_bad_settings_in_one_line(module: str, tmp_path: Path) -> None:
    args = {"service": [], "ingest": [str(tmp_path)], "eval": ["run"], "service.search": ["q"]}
    env = {"PATH": "/usr/bin:/bin", "RAG_CHUNK_OVERLAP": "150", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", module, *args[module]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert lines[-1] == (
        "invalid settings: settings: chunk_overlap=150 must be at most half of "
        "chunk_tokens=200; lower RAG_CHUNK_OVERLAP"
    )
    assert "Traceback" not in proc.stderr
