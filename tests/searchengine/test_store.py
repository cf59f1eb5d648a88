"""The store through the engine's REST API: indexes, versions, realtime get, updates, bulk,
refresh, mapping rebuilds, and what survives a restart or a crash."""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.searchengine.conftest import RunningEngine, start_engine

_names = itertools.count()


@pytest.fixture
def index(es: httpx.Client) -> str:
    """A fresh index name on the session's engine (created by the test or its first write)."""
    return f"store-{next(_names)}"


def ndjson(*lines: object) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def hits(es: httpx.Client, index: str, query: object | None = None) -> list[str]:
    body = {"query": query or {"match_all": {}}, "size": 100}
    response = es.post(f"/{index}/_search", json=body)
    assert response.status_code == 200, response.text
    return sorted(hit["_id"] for hit in response.json()["hits"]["hits"])


# -- indexes --------------------------------------------------------------------------------


def test_create_get_and_delete_an_index(es: httpx.Client, index: str) -> None:
    body = {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {"properties": {"title": {"type": "text"}, "n": {"type": "integer"}}},
    }
    created = es.put(f"/{index}", json=body)
    assert created.json() == {"acknowledged": True, "shards_acknowledged": True, "index": index}
    assert es.head(f"/{index}").status_code == 200
    shown = es.get(f"/{index}").json()[index]
    assert shown["mappings"] == body["mappings"]
    assert shown["settings"]["index"]["number_of_replicas"] == "0"
    again = es.put(f"/{index}", json=body)
    assert again.status_code == 400
    assert again.json()["error"]["type"] == "resource_already_exists_exception"
    assert es.delete(f"/{index}").json() == {"acknowledged": True}
    assert es.head(f"/{index}").status_code == 404
    missing = es.get(f"/{index}")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "index_not_found_exception"


def test_unsupported_settings_and_bad_names_are_refused(es: httpx.Client, index: str) -> None:
    analysis = es.put(f"/{index}", json={"settings": {"analysis": {"analyzer": {}}}})
    assert analysis.status_code == 400
    assert analysis.json()["error"]["type"] == "strawsync_unsupported_exception"
    upper = es.put("/Events")
    assert upper.status_code == 400
    assert upper.json()["error"]["type"] == "invalid_index_name_exception"
    assert es.put(f"/{index}/_doc/1", json={"a": 1}, params={"version": "3"}).status_code == 400


def test_put_mapping_rebuilds_and_keeps_documents(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}/_doc/1", json={"title": "Red kite", "n": 1})
    es.put(f"/{index}/_doc/2", json={"title": "Blue tit", "n": 2}, params={"refresh": "true"})
    added = es.put(f"/{index}/_mapping", json={"properties": {"place": {"type": "keyword"}}})
    assert added.json() == {"acknowledged": True}
    es.put(f"/{index}/_doc/3", json={"title": "Red deer", "place": "Skye"})
    es.post(f"/{index}/_refresh")
    assert hits(es, index) == ["1", "2", "3"]
    assert hits(es, index, {"match": {"title": "red"}}) == ["1", "3"]
    assert hits(es, index, {"term": {"place": "Skye"}}) == ["3"]
    mapping = es.get(f"/{index}/_mapping").json()[index]["mappings"]["properties"]
    assert mapping["place"] == {"type": "keyword"}
    assert mapping["n"] == {"type": "long"}
    changed = es.put(f"/{index}/_mapping", json={"properties": {"n": {"type": "keyword"}}})
    assert changed.status_code == 400
    assert changed.json()["error"]["type"] == "illegal_argument_exception"


# -- documents ------------------------------------------------------------------------------


def test_versions_seq_no_and_results(es: httpx.Client, index: str) -> None:
    created = es.put(f"/{index}/_doc/a", json={"v": 1})
    assert created.status_code == 201
    body = created.json()
    assert body["result"] == "created"
    assert body["_version"] == 1
    assert body["_primary_term"] == 1
    assert body["_shards"] == {"total": 2, "successful": 1, "failed": 0}
    updated = es.put(f"/{index}/_doc/a", json={"v": 2}).json()
    assert (updated["result"], updated["_version"]) == ("updated", 2)
    assert updated["_seq_no"] > body["_seq_no"]
    deleted = es.delete(f"/{index}/_doc/a")
    assert deleted.status_code == 200
    assert (deleted.json()["result"], deleted.json()["_version"]) == ("deleted", 3)
    gone = es.delete(f"/{index}/_doc/a")
    assert gone.status_code == 404
    assert gone.json()["result"] == "not_found"
    auto = es.post(f"/{index}/_doc", json={"v": 3})
    assert auto.status_code == 201
    assert len(auto.json()["_id"]) == 20


def test_get_is_realtime_search_waits_for_a_refresh(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}", json={"settings": {"refresh_interval": "-1"}})
    es.put(f"/{index}/_doc/1", json={"word": "unrefreshed"})
    got = es.get(f"/{index}/_doc/1").json()
    assert got["found"] is True
    assert got["_source"] == {"word": "unrefreshed"}
    assert hits(es, index) == []
    assert es.post(f"/{index}/_refresh").status_code == 200
    assert hits(es, index) == ["1"]
    missing = es.get(f"/{index}/_doc/nope")
    assert missing.status_code == 404
    assert missing.json() == {"_index": index, "_id": "nope", "found": False}


def test_refresh_parameter_makes_a_write_searchable(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}", json={"settings": {"refresh_interval": "-1"}})
    forced = es.put(f"/{index}/_doc/1", json={"a": 1}, params={"refresh": "true"}).json()
    assert forced["forced_refresh"] is True
    assert hits(es, index) == ["1"]
    es.put(f"/{index}/_doc/2", json={"a": 2}, params={"refresh": "wait_for"})
    assert hits(es, index) == ["1", "2"]


def test_default_refresh_interval_refreshes_by_itself(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}/_doc/1", json={"a": 1})
    deadline = time.monotonic() + 30  # a bound for a stuck engine, not a timing assertion
    while hits(es, index) != ["1"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hits(es, index) == ["1"]


def test_concurrent_writes_to_one_index_are_serialized(search_engine: RunningEngine) -> None:
    index = f"store-{next(_names)}"

    def bump(worker: int) -> list[int]:
        with search_engine.client() as client:
            return [
                client.post(
                    f"/{index}/_update/shared",
                    json={"doc": {f"w{worker}": n}, "doc_as_upsert": True},
                ).json()["_version"]
                for n in range(25)
            ]

    with ThreadPoolExecutor(8) as pool:
        versions = [v for batch in pool.map(bump, range(8)) for v in batch]
    assert sorted(versions) == list(range(1, 201))  # each update saw the one before
    with search_engine.client() as client:
        final = client.get(f"/{index}/_doc/shared").json()
    assert final["_version"] == 200
    assert final["_source"] == {f"w{worker}": 24 for worker in range(8)}


def test_a_mapping_rebuild_never_loses_a_concurrent_write(search_engine: RunningEngine) -> None:
    index = f"store-{next(_names)}"

    def write(worker: int) -> None:
        with search_engine.client() as client:
            for n in range(40):  # every tenth brings a new field: a rebuild, under the writes
                extra = {f"f{worker}_{n}": n} if n % 10 == 0 else {}
                response = client.put(f"/{index}/_doc/{worker}-{n}", json={"n": n, **extra})
                assert response.status_code == 201, response.text

    def remap(round_: int) -> None:
        with search_engine.client() as client:
            body = {"properties": {f"declared{round_}": {"type": "keyword"}}}
            assert client.put(f"/{index}/_mapping", json=body).status_code == 200

    with search_engine.client() as client:
        client.put(f"/{index}")
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(write, worker) for worker in range(4)]
        futures += [pool.submit(remap, round_) for round_ in range(4)]
        for future in futures:
            future.result()
    with search_engine.client() as client:
        client.post(f"/{index}/_refresh")
        assert client.get(f"/{index}/_count").json()["count"] == 160
        mapping = client.get(f"/{index}/_mapping").json()[index]["mappings"]["properties"]
    assert {f"declared{round_}" for round_ in range(4)} <= set(mapping)
    assert {f"f{worker}_{n}" for worker in range(4) for n in (0, 10, 20, 30)} <= set(mapping)


def test_create_conflicts_when_the_document_exists(es: httpx.Client, index: str) -> None:
    assert es.put(f"/{index}/_create/1", json={"a": 1}).status_code == 201
    conflict = es.put(f"/{index}/_create/1", json={"a": 2})
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["type"] == "version_conflict_engine_exception"
    assert "document already exists (current version [1])" in error["reason"]
    op_type = es.put(f"/{index}/_doc/1", json={"a": 3}, params={"op_type": "create"})
    assert op_type.status_code == 409
    assert es.get(f"/{index}/_doc/1").json()["_source"] == {"a": 1}


def test_if_seq_no_guards_a_write(es: httpx.Client, index: str) -> None:
    first = es.put(f"/{index}/_doc/1", json={"a": 1}).json()
    guard = {"if_seq_no": str(first["_seq_no"]), "if_primary_term": "1"}
    ok = es.put(f"/{index}/_doc/1", json={"a": 2}, params=guard)
    assert ok.status_code == 200
    stale = es.put(f"/{index}/_doc/1", json={"a": 3}, params=guard)
    assert stale.status_code == 409
    assert "required seqNo" in stale.json()["error"]["reason"]
    assert es.get(f"/{index}/_doc/1").json()["_source"] == {"a": 2}


def test_update_merges_upserts_and_reports_noop(es: httpx.Client, index: str) -> None:
    missing = es.post(f"/{index}/_update/1", json={"doc": {"a": 1}})
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "document_missing_exception"
    upsert = es.post(f"/{index}/_update/1", json={"doc": {"a": 1}, "doc_as_upsert": True})
    assert (upsert.status_code, upsert.json()["result"]) == (201, "created")
    merged = es.post(f"/{index}/_update/1", json={"doc": {"b": {"c": 2}}}).json()
    assert (merged["result"], merged["_version"]) == ("updated", 2)
    assert es.get(f"/{index}/_doc/1").json()["_source"] == {"a": 1, "b": {"c": 2}}
    noop = es.post(f"/{index}/_update/1", json={"doc": {"a": 1}}).json()
    assert (noop["result"], noop["_version"]) == ("noop", 2)
    other = es.post(f"/{index}/_update/2", json={"doc": {"x": 1}, "upsert": {"x": 0}})
    assert es.get(f"/{index}/_doc/2").json()["_source"] == {"x": 0}
    assert other.status_code == 201
    script = es.post(f"/{index}/_update/1", json={"script": {"source": "ctx._source.a++"}})
    assert script.status_code == 400
    assert script.json()["error"]["type"] == "strawsync_unsupported_exception"


def test_a_value_the_mapping_refuses_is_a_mapper_parsing_error(
    es: httpx.Client, index: str
) -> None:
    es.put(f"/{index}", json={"mappings": {"properties": {"n": {"type": "long"}}}})
    refused = es.put(f"/{index}/_doc/1", json={"n": "many"})
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "mapper_parsing_exception"
    assert es.get(f"/{index}/_doc/1").status_code == 404


# -- bulk -----------------------------------------------------------------------------------


def test_bulk_items_succeed_and_fail_one_by_one(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}", json={"mappings": {"properties": {"n": {"type": "long"}}}})
    body = ndjson(
        {"index": {"_index": index, "_id": "1"}}, {"n": 1, "title": "one"},
        {"create": {"_index": index, "_id": "1"}}, {"n": 2},
        {"index": {"_index": index, "_id": "2"}}, {"n": "two"},
        {"update": {"_index": index, "_id": "1"}}, {"doc": {"title": "uno"}},
        {"delete": {"_index": index, "_id": "9"}},
        {"index": {"_index": index}}, {"n": 3},
    )  # fmt: skip
    response = es.post("/_bulk", content=body, params={"refresh": "true"})
    assert response.status_code == 200
    result = response.json()
    assert result["errors"] is True
    assert isinstance(result["took"], int)
    statuses = [next(iter(item.items())) for item in result["items"]]
    assert [(action, entry["status"]) for action, entry in statuses] == [
        ("index", 201), ("create", 409), ("index", 400), ("update", 200), ("delete", 404),
        ("index", 201),
    ]  # fmt: skip
    assert statuses[1][1]["error"]["type"] == "version_conflict_engine_exception"
    assert statuses[2][1]["error"]["type"] == "mapper_parsing_exception"
    assert "error" not in statuses[4][1]
    assert len(hits(es, index)) == 2
    assert es.get(f"/{index}/_doc/1").json()["_source"] == {"n": 1, "title": "uno"}


def test_bulk_on_an_index_path_and_without_errors(es: httpx.Client, index: str) -> None:
    body = ndjson(*itertools.chain.from_iterable(
        ({"index": {"_id": str(n)}}, {"n": n, "tag": f"t{n % 3}"}) for n in range(50)
    ))  # fmt: skip
    result = es.post(f"/{index}/_bulk", content=body).json()
    assert result["errors"] is False
    assert [item["index"]["_seq_no"] for item in result["items"]] == list(range(50))
    es.post(f"/{index}/_refresh")
    count = es.post(f"/{index}/_count", json={"query": {"term": {"tag.keyword": "t1"}}})
    assert count.json()["count"] == 17


def test_malformed_bulk_fails_the_whole_request(es: httpx.Client, index: str) -> None:
    unknown = es.post("/_bulk", content=ndjson({"upsert": {"_index": index}}, {"a": 1}))
    assert unknown.status_code == 400
    assert unknown.json()["error"]["type"] == "illegal_argument_exception"
    unterminated = es.post("/_bulk", content=b'{"index":{"_index":"x"}}\n{"a":1}')
    assert unterminated.status_code == 400
    assert es.head(f"/{index}").status_code == 404


# -- REST edges -----------------------------------------------------------------------------


def test_rest_edges(es: httpx.Client, index: str) -> None:
    info = es.get("/").json()
    assert info["version"]["distribution"] == "opensearch"
    assert info["version"]["number"].startswith("2.")
    assert es.get("/_cluster/health").json()["status"] in ("green", "yellow")
    unknown = es.get("/a/b/c/d")
    assert unknown.status_code == 400
    assert unknown.json() == {"error": "no handler found for uri [/a/b/c/d] and method [GET]"}
    wrong_method = es.patch(f"/{index}")
    assert wrong_method.status_code == 405
    bad_json = es.put(f"/{index}", content=b"{nope")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["type"] == "parse_exception"
    bad_param = es.get("/_search", params={"colour": "red"})
    assert bad_param.status_code == 400
    assert "unrecognized parameter: [colour]" in bad_param.json()["error"]["reason"]
    pretty = es.get("/", params={"pretty": "true"})
    assert pretty.text.startswith("{\n  ")
    slash = es.put(f"/{index}/_doc/a%2Fb", json={"a": 1})
    assert slash.json()["_id"] == "a/b"
    assert es.get(f"/{index}/_doc/a%2Fb").json()["found"] is True


def test_mget_and_source_filtering(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}/_doc/1", json={"title": "one", "body": "long text", "n": 1})
    by_ids = es.post(f"/{index}/_mget", json={"ids": ["1", "2"]}).json()["docs"]
    assert [doc["found"] for doc in by_ids] == [True, False]
    docs = {"docs": [{"_index": index, "_id": "1"}, {"_index": f"{index}-none", "_id": "1"}]}
    mixed = es.post("/_mget", json=docs, params={"_source_includes": "title"}).json()["docs"]
    assert mixed[0]["_source"] == {"title": "one"}
    assert mixed[1]["error"]["type"] == "index_not_found_exception"
    excluded = es.get(f"/{index}/_doc/1", params={"_source_excludes": "body"}).json()
    assert excluded["_source"] == {"title": "one", "n": 1}
    assert es.get(f"/{index}/_source/1", params={"_source": "n"}).json() == {"n": 1}


def test_filter_path_keeps_what_was_asked(es: httpx.Client, index: str) -> None:
    es.put(f"/{index}/_doc/1", json={"a": 1}, params={"refresh": "true"})
    response = es.get(f"/{index}/_search", params={"filter_path": "hits.hits._id,took"})
    assert set(response.json()) == {"hits", "took"}
    assert response.json()["hits"] == {"hits": [{"_id": "1"}]}
    deep = es.get(f"/{index}/_doc/1", params={"filter_path": "**.a"}).json()
    assert deep == {"_source": {"a": 1}}
    assert es.get("/", params={"filter_path": "nothing"}).json() == {}


# -- persistence ----------------------------------------------------------------------------


def test_documents_and_mappings_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        es.put("/kept", json={"mappings": {"properties": {"title": {"type": "text"}}}})
        es.put("/kept/_doc/1", json={"title": "first light", "n": 1})
        es.put("/kept/_doc/2", json={"title": "second"}, params={"refresh": "true"})
        es.delete("/kept/_doc/2")
        assert engine.terminate() == 0
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        assert hits(es, "kept") == ["1"]
        got = es.get("/kept/_doc/1").json()
        assert (got["_version"], got["_source"]) == (1, {"title": "first light", "n": 1})
        mapping = es.get("/kept/_mapping").json()["kept"]["mappings"]["properties"]
        assert set(mapping) == {"title", "n"}
        next_write = es.put("/kept/_doc/3", json={"n": 3}).json()
        assert next_write["_seq_no"] == 3


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        es.put("/crash", json={"settings": {"refresh_interval": "-1"}})
        body = ndjson(*itertools.chain.from_iterable(
            ({"index": {"_id": str(n)}}, {"n": n, "word": "kept"}) for n in range(20)
        ))  # fmt: skip
        assert es.post("/crash/_bulk", content=body).json()["errors"] is False
        es.post("/crash/_update/3", json={"doc": {"word": "changed"}})
        es.delete("/crash/_doc/4")
        es.put("/crash/_doc/new", json={"fresh": True})  # a new field: a rebuild
        es.put("/crash/_doc/after", json={"fresh": False})
        assert hits(es, "crash") != sorted([*map(str, range(20)), "new", "after"])
        engine.kill()
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        expected = sorted([*(str(n) for n in range(20) if n != 4), "new", "after"])
        assert hits(es, "crash") == expected
        assert es.get("/crash/_doc/3").json()["_source"] == {"n": 3, "word": "changed"}
        assert es.get("/crash/_doc/3").json()["_version"] == 2
        assert hits(es, "crash", {"term": {"fresh": False}}) == ["after"]


def test_a_translog_is_replayed_whole_and_a_torn_line_dropped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        es.put("/log/_doc/1", json={"a": 1})
        assert engine.terminate() == 0
    translog = data / "indexes" / "log" / "translog"
    assert translog.read_bytes() == b""
    records = [  # as a crash leaves them: acknowledged, never committed; one torn
        {"id": "2", "v": 1, "s": 1, "src": '{"a": 2, "fresh": "new field"}'},
        {"id": "1", "v": 2, "s": 2, "src": '{"a": 10}'},
        {"id": "3", "v": 1, "s": 3, "src": '{"more": true}'},
    ]
    translog.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + b'{"id": "4"')
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        assert hits(es, "log") == ["1", "2", "3"]
        assert hits(es, "log", {"match": {"fresh": "new"}}) == ["2"]
        assert es.get("/log/_doc/1").json()["_version"] == 2
        assert es.put("/log/_doc/5", json={}).json()["_seq_no"] == 4
        assert "replayed 3 writes" in engine.log()


def test_in_memory_starts_empty(tmp_path: Path) -> None:
    with start_engine(tmp_path / "run") as engine, engine.client() as es:
        es.put("/temp/_doc/1", json={"a": 1})
    with start_engine(tmp_path / "run") as engine, engine.client() as es:
        assert es.head("/temp").status_code == 404
        assert es.get("/_mapping").json() == {}
