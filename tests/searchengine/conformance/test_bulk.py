"""`_bulk`: mixed actions answered in order, per-item errors and the `errors` flag; `_refresh`."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError, helpers

from tests.searchengine.conformance.support import failure


def items(answer: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each item as (action, result): every item is an object with one key."""
    out = []
    for item in answer["items"]:
        assert len(item) == 1, item
        ((action, result),) = item.items()
        out.append((action, result))
    return out


def test_mixed_actions_are_answered_in_order(opensearch: OpenSearch, index_name: str) -> None:
    body: list[Any] = [
        {"index": {"_index": index_name, "_id": "1"}},
        {"title": "one"},
        {"create": {"_index": index_name, "_id": "2"}},
        {"title": "two"},
        {"update": {"_index": index_name, "_id": "1"}},
        {"doc": {"extra": True}},
        {"delete": {"_index": index_name, "_id": "2"}},
        {"index": {"_index": index_name}},
        {"title": "three"},
    ]
    answer = opensearch.bulk(body=body, refresh=True)
    assert answer["errors"] is False
    assert isinstance(answer["took"], int)
    got = items(answer)
    assert [action for action, _ in got] == ["index", "create", "update", "delete", "index"]
    assert [result["status"] for _, result in got] == [201, 201, 200, 200, 201]
    assert [result["result"] for _, result in got] == [
        "created", "created", "updated", "deleted", "created"
    ]  # fmt: skip
    assert [result["_version"] for _, result in got[:4]] == [1, 1, 2, 2]
    for _, result in got:
        assert result["_index"] == index_name
        assert isinstance(result["_seq_no"], int)
        assert result["_primary_term"] == 1
    generated = got[4][1]["_id"]
    assert isinstance(generated, str) and generated
    assert opensearch.get(index=index_name, id="1")["_source"] == {"title": "one", "extra": True}
    assert opensearch.exists(index=index_name, id="2") is False
    assert opensearch.get(index=index_name, id=generated)["_source"] == {"title": "three"}
    assert opensearch.count(index=index_name)["count"] == 2


def test_the_index_in_the_path_is_the_default(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.bulk(
        index=index_name,
        body=[{"index": {"_id": "1"}}, {"n": 1}, {"index": {"_id": "2"}}, {"n": 2}],
        refresh=True,
    )
    assert answer["errors"] is False
    assert [result["_index"] for _, result in items(answer)] == [index_name, index_name]
    assert opensearch.count(index=index_name)["count"] == 2


def test_an_ndjson_string_body(opensearch: OpenSearch, index_name: str) -> None:
    lines = [
        f'{{"index":{{"_index":"{index_name}","_id":"1"}}}}',
        '{"title":"from ndjson"}',
    ]
    answer = opensearch.bulk(body="\n".join(lines) + "\n", refresh=True)
    assert answer["errors"] is False
    assert opensearch.get(index=index_name, id="1")["_source"] == {"title": "from ndjson"}


def test_failed_items_carry_their_own_errors(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(
        index=index_name, body={"mappings": {"properties": {"n": {"type": "integer"}}}}
    )
    opensearch.index(index=index_name, id="taken", body={"n": 1}, refresh=True)
    body: list[Any] = [
        {"create": {"_index": index_name, "_id": "taken"}},
        {"n": 2},
        {"update": {"_index": index_name, "_id": "missing"}},
        {"doc": {"n": 3}},
        {"index": {"_index": index_name, "_id": "bad"}},
        {"n": "not a number"},
        {"index": {"_index": index_name, "_id": "good"}},
        {"n": 4},
    ]
    answer = opensearch.bulk(body=body, refresh=True)
    assert answer["errors"] is True
    got = items(answer)
    assert [action for action, _ in got] == ["create", "update", "index", "index"]
    conflict, missing, bad, good = (result for _, result in got)
    assert conflict["status"] == 409
    assert conflict["error"]["type"] == "version_conflict_engine_exception"
    assert conflict["_id"] == "taken"
    assert missing["status"] == 404
    assert missing["error"]["type"] == "document_missing_exception"
    assert bad["status"] == 400
    assert bad["error"]["type"] == "mapper_parsing_exception"
    assert good["status"] == 201
    assert good["result"] == "created"
    assert "error" not in good
    assert opensearch.get(index=index_name, id="taken")["_source"] == {"n": 1}
    assert opensearch.exists(index=index_name, id="bad") is False
    assert opensearch.exists(index=index_name, id="missing") is False
    assert opensearch.count(index=index_name)["count"] == 2


def test_deleting_a_missing_id_is_not_an_error(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    answer = opensearch.bulk(body=[{"delete": {"_index": index_name, "_id": "nope"}}])
    assert answer["errors"] is False
    ((action, result),) = items(answer)
    assert action == "delete"
    assert result["status"] == 404
    assert result["result"] == "not_found"
    assert "error" not in result


def test_update_with_doc_as_upsert_in_bulk(opensearch: OpenSearch, index_name: str) -> None:
    body: list[Any] = [
        {"update": {"_index": index_name, "_id": "1"}},
        {"doc": {"n": 1}, "doc_as_upsert": True},
        {"update": {"_index": index_name, "_id": "1"}},
        {"doc": {"m": 2}, "doc_as_upsert": True},
    ]
    answer = opensearch.bulk(body=body)
    assert answer["errors"] is False
    assert [result["result"] for _, result in items(answer)] == ["created", "updated"]
    assert opensearch.get(index=index_name, id="1")["_source"] == {"n": 1, "m": 2}


def test_an_unchanged_update_is_a_noop(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="1", body={"n": 1})
    answer = opensearch.bulk(
        body=[{"update": {"_index": index_name, "_id": "1"}}, {"doc": {"n": 1}}]
    )
    assert answer["errors"] is False
    ((_, result),) = items(answer)
    assert (result["status"], result["result"], result["_version"]) == (200, "noop", 1)


def test_a_stale_seq_no_fails_only_its_item(opensearch: OpenSearch, index_name: str) -> None:
    first = opensearch.index(index=index_name, id="1", body={"n": 1})
    opensearch.index(index=index_name, id="1", body={"n": 2})
    answer = opensearch.bulk(
        body=[
            {"index": {"_index": index_name, "_id": "1", "if_seq_no": first["_seq_no"],
                       "if_primary_term": first["_primary_term"]}},
            {"n": 3},
            {"index": {"_index": index_name, "_id": "2"}},
            {"n": 4},
        ]
    )  # fmt: skip
    assert answer["errors"] is True
    (_, stale), (_, fresh) = items(answer)
    assert stale["status"] == 409
    assert stale["error"]["type"] == "version_conflict_engine_exception"
    assert fresh["status"] == 201


def test_create_without_an_id_generates_one(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.bulk(body=[{"create": {"_index": index_name}}, {"n": 1}], refresh=True)
    assert answer["errors"] is False
    ((action, result),) = items(answer)
    assert (action, result["status"], result["result"]) == ("create", 201, "created")
    assert opensearch.get(index=index_name, id=result["_id"])["_source"] == {"n": 1}


def test_update_accepts_retry_on_conflict(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="1", body={"n": 1})
    answer = opensearch.bulk(
        body=[{"update": {"_index": index_name, "_id": "1", "retry_on_conflict": 3}},
              {"doc": {"n": 2}}]
    )  # fmt: skip
    assert answer["errors"] is False
    assert opensearch.get(index=index_name, id="1")["_source"] == {"n": 2}


def test_actions_on_one_id_apply_in_order(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.bulk(
        body=[
            {"index": {"_index": index_name, "_id": "1"}}, {"n": 1},
            {"delete": {"_index": index_name, "_id": "1"}},
            {"create": {"_index": index_name, "_id": "1"}}, {"n": 3},
            {"update": {"_index": index_name, "_id": "1"}}, {"doc": {"m": 4}},
        ],
        refresh=True,
    )  # fmt: skip
    assert answer["errors"] is False
    assert [result["_version"] for _, result in items(answer)] == [1, 2, 3, 4]
    assert opensearch.get(index=index_name, id="1")["_source"] == {"n": 3, "m": 4}


def test_an_unknown_action_fails_the_whole_request(opensearch: OpenSearch, index_name: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.bulk(body=[{"upsert": {"_index": index_name, "_id": "1"}}, {"n": 1}])
    assert failure(raised.value) == (400, "illegal_argument_exception")
    assert opensearch.indices.exists(index=index_name) is False


def test_an_action_without_an_index_fails_the_whole_request(opensearch: OpenSearch) -> None:
    # BulkRequest.validate() checks every item before any runs.
    with pytest.raises(RequestError) as raised:
        opensearch.bulk(body=[{"index": {"_id": "1"}}, {"n": 1}])
    assert failure(raised.value) == (400, "action_request_validation_exception")


def test_the_clients_bulk_helper(opensearch: OpenSearch, index_name: str) -> None:
    """opensearch-py's helpers.bulk: actions as dicts with `_op_type`, chunked requests."""
    actions = [{"_index": index_name, "_id": str(n), "_source": {"n": n}} for n in range(1200)]
    actions.append({"_op_type": "delete", "_index": index_name, "_id": "0"})
    actions.append({"_op_type": "update", "_index": index_name, "_id": "1", "doc": {"m": 1}})
    succeeded, failures = helpers.bulk(opensearch, actions, chunk_size=500, refresh=True)
    assert (succeeded, failures) == (1202, [])
    assert opensearch.count(index=index_name)["count"] == 1199
    assert opensearch.get(index=index_name, id="1")["_source"] == {"n": 1, "m": 1}


class TestRefresh:
    def test_refresh_answers_shards(self, opensearch: OpenSearch, index_name: str) -> None:
        opensearch.indices.create(index=index_name)
        answer = opensearch.indices.refresh(index=index_name)
        assert answer["_shards"]["failed"] == 0
        assert answer["_shards"]["successful"] >= 1

    def test_refresh_makes_bulk_writes_searchable(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name, body={"settings": {"refresh_interval": "-1"}})
        opensearch.bulk(
            body=[{"index": {"_index": index_name, "_id": str(i)}} if j == 0 else {"n": i}
                  for i in range(5) for j in range(2)]
        )  # fmt: skip
        opensearch.indices.refresh(index=index_name)
        assert opensearch.count(index=index_name)["count"] == 5

    def test_refresh_of_a_missing_index_is_index_not_found(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        with pytest.raises(NotFoundError) as raised:
            opensearch.indices.refresh(index=index_name)
        assert failure(raised.value) == (404, "index_not_found_exception")
