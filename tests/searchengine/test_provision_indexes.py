"""`strawsync provision` creates the declared indexes on a remote cluster (here a separate
engine process standing in for a self-hosted cluster without authentication)."""

from __future__ import annotations

from pathlib import Path

from tests.searchengine.conftest import start_engine
from tests.support.projects import write_project
from tests.test_validate import run_cli

SCHEMA = "type Query { ping: String }\n"


def _project(root: Path, endpoint: str) -> Path:
    return write_project(
        root,
        {
            "schema.graphql": SCHEMA,
            "strawsync.yaml": f"""
name: RemoteSearch
dataSources:
  - name: Cluster
    type: AMAZON_OPENSEARCH_SERVICE
    config:
      endpoint: {endpoint}
      auth: {{type: NONE}}
      indexes:
        books:
          mappings:
            properties:
              title: {{type: text}}
              year: {{type: integer}}
""",
        },
    )


def test_provision_creates_missing_indexes_and_leaves_existing_ones(tmp_path: Path) -> None:
    with start_engine(tmp_path / "engine") as engine, engine.client() as http:
        project = _project(tmp_path / "project", engine.url)
        first = run_cli("provision", "--project", str(project))
        assert first.returncode == 0, first.stderr
        assert "1 indexes created, 0 already there" in first.stderr
        mapping = http.get("/books/_mapping").json()
        assert mapping["books"]["mappings"]["properties"]["year"] == {"type": "integer"}

        again = run_cli("provision", "--project", str(project))
        assert again.returncode == 0, again.stderr
        assert "0 indexes created, 1 already there" in again.stderr


def test_provision_reports_an_unreachable_cluster(tmp_path: Path) -> None:
    with start_engine(tmp_path / "engine") as engine:
        url = engine.url
    project = _project(tmp_path / "project", url)
    result = run_cli("provision", "--project", str(project))
    assert result.returncode == 1
    assert "data source 'Cluster'" in result.stderr
    assert "Traceback" not in result.stderr
