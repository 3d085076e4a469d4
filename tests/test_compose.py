"""compose.yaml, checked without a container engine (none runs here): it parses, names a
pgvector image with a volume, a one-shot ingest job and two replicas on one database, and every
RAG_* variable it sets is a real setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.config import ENV_PREFIX, Settings

COMPOSE = Path(__file__).parent.parent / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_compose_runs_a_pgvector_database_an_ingest_job_and_two_replicas(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    db = services["db"]
    assert db["image"].startswith("pgvector/pgvector:pg16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pgdata" in compose["volumes"]
    assert services["ingest"]["restart"] == "no"
    assert "python -m ingest" in " ".join(services["ingest"]["command"])
    replicas = [s for name, s in services.items() if name.startswith("service-")]
    assert len(replicas) == 2
    assert {tuple(s["ports"]) for s in replicas} == {("8000:8000",), ("8001:8000",)}
    for svc in [services["ingest"], *replicas]:
        env = svc["environment"]
        assert env["RAG_STORE"] == "postgres" and "@db:5432/" in env["RAG_DATABASE_URL"]
        assert svc["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_sets_only_real_settings(compose: dict[str, Any]) -> None:
    fields = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    for name, svc in compose["services"].items():
        for key in svc.get("environment", {}):
            if key.startswith(ENV_PREFIX):
                assert key in fields, f"{name}: {key} is not a setting"
