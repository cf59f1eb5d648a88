"""Field parameters that would change what is indexed are refused, never ignored: an index
created with them would answer differently from OpenSearch without saying so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"type": "keyword", "copy_to": "all"}, "[copy_to]"),
        ({"type": "keyword", "null_value": "NULL"}, "[null_value]"),
        ({"type": "long", "index": False}, "[index: False]"),
        ({"type": "long", "coerce": False}, "[coerce: False]"),
        ({"type": "date", "ignore_malformed": True}, "[ignore_malformed: True]"),
    ],
)
def test_a_parameter_that_changes_indexing_is_unsupported(
    es: httpx.Client, spec: dict[str, Any], named: str
) -> None:
    answer = es.put("/mapping-params-refused", json={"mappings": {"properties": {"f": spec}}})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "strawsync_unsupported_exception"
    assert named in error["reason"]
    assert es.head("/mapping-params-refused").status_code == 404


def test_parameters_at_their_defaults_are_accepted(es: httpx.Client) -> None:
    spec = {"type": "long", "index": True, "coerce": True, "ignore_malformed": False}
    answer = es.put("/mapping-params-defaults", json={"mappings": {"properties": {"f": spec}}})
    try:
        assert answer.status_code == 200, answer.text
        assert es.put("/mapping-params-defaults/_doc/1?refresh=true", json={"f": "7"}).is_success
        found = es.post("/mapping-params-defaults/_count", json={"query": {"term": {"f": 7}}})
        assert found.json()["count"] == 1
    finally:
        es.delete("/mapping-params-defaults")
