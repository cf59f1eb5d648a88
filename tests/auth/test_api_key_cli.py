"""`strawsync api-key create|list|delete`, run as a user runs it, and a server that follows."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx

from app.auth.api_keys import DAY, ApiKeyStore
from tests.support.projects import write_project
from tests.support.server import serve
from tests.test_validate import run_cli

ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:00:00Z"


def api_key(project: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("api-key", *args, "--project", str(project))
    return result.returncode, result.stdout, result.stderr


def created_key(project: Path, *args: str) -> tuple[str, str]:
    """(id, key) of a key made with `create`."""
    code, out, err = api_key(project, "create", *args)
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"da2-[a-z2-7]{26}", lines[-1]), out
    key_id = re.search(r"^id: (\S+)$", out, re.MULTILINE)
    assert key_id is not None, out
    return key_id[1], lines[-1]


def test_create_list_delete(tmp_path: Path) -> None:
    first_id, first = created_key(tmp_path, "--description", "web client")
    second_id, second = created_key(tmp_path, "--expires-days", "365")

    code, out, err = api_key(tmp_path, "list")
    assert code == 0, err
    assert first not in out and second not in out
    assert first[4:] not in out and second[4:] not in out
    rows = out.splitlines()
    assert rows[0].split() == ["ID", "EXPIRES", "STATUS", "DESCRIPTION"]
    assert re.fullmatch(rf"{first_id} +{ISO} +active +web client", rows[1])
    assert re.fullmatch(rf"{second_id} +{ISO} +active", rows[2])
    expires = [row.split()[1] for row in rows[1:]]
    year = time.gmtime(time.time() + 365 * DAY).tm_year
    assert expires[1].startswith(str(year))

    stored = (tmp_path / ".strawsync" / "api_keys.json").read_text()
    assert first not in stored and second not in stored
    assert {entry["id"] for entry in json.loads(stored)["keys"]} == {first_id, second_id}

    code, out, err = api_key(tmp_path, "delete", first_id)
    assert (code, out.strip()) == (0, f"deleted API key {first_id}"), err
    code, out, _ = api_key(tmp_path, "list")
    assert first_id not in out and second_id in out

    code, _, err = api_key(tmp_path, "delete", first_id)
    assert code == 2
    assert f"NotFoundException: no API key '{first_id}'" in err


def test_validity_out_of_bounds_is_refused(tmp_path: Path) -> None:
    for days in ("0", "366"):
        code, out, err = api_key(tmp_path, "create", "--expires-days", days)
        assert code == 2
        assert out == ""
        assert err.strip() == (
            "strawsync api-key: ApiKeyValidityOutOfBoundsException: "
            f"an API key must be valid for 1 to 365 days, not {days}"
        )
    assert not (tmp_path / ".strawsync" / "api_keys.json").exists()


def test_list_marks_expired_keys(tmp_path: Path) -> None:
    store = ApiKeyStore.for_project(tmp_path)
    _, old = store.create("old", days=1, now=time.time() - 3 * DAY)
    _, purged = store.create("purged", days=1, now=time.time() - 90 * DAY)
    code, out, err = api_key(tmp_path, "list")
    assert code == 0, err
    assert re.search(rf"^{old.id} +{ISO} +expired +old$", out, re.MULTILINE), out
    assert purged.id not in out


def test_an_empty_list_and_a_missing_project(tmp_path: Path) -> None:
    code, out, err = api_key(tmp_path, "list")
    assert (code, out) == (0, "")
    assert "no API keys in" in err
    code, _, err = api_key(tmp_path / "nowhere", "create")
    assert code == 2
    assert "no such project folder" in err
    assert not (tmp_path / "nowhere").exists()


API_KEY_PROJECT = {
    "strawsync.yaml": """\
name: KeyedApi
authentication:
  default:
    type: API_KEY
dataSources:
  - name: Local
    type: NONE
""",
    "schema.graphql": "type Query { echo(msg: String): String }\n",
    "resolvers/Query.echo.yaml": "dataSource: Local\n",
    "mapping_templates/Query.echo.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args.msg)}'
    ),
    "mapping_templates/Query.echo.response.vtl": "$util.toJson($ctx.result)",
}


def test_a_running_server_follows_the_command(tmp_path: Path, logs_dir: Path) -> None:
    project = write_project(tmp_path / "api", API_KEY_PROJECT)
    query = {"query": '{ echo(msg: "hi") }'}
    with serve(project, logs_dir) as server, httpx.Client(base_url=server.url) as http:
        assert http.post("/graphql", json=query).status_code == 401
        key_id, key = created_key(project)
        answer = http.post("/graphql", json=query, headers={"x-api-key": key})
        assert (answer.status_code, answer.json()) == (200, {"data": {"echo": "hi"}})
        assert api_key(project, "delete", key_id)[0] == 0
        assert http.post("/graphql", json=query, headers={"x-api-key": key}).status_code == 401
        log = server.log()
    assert "API_KEY: no usable key" in log
    assert key not in log
