"""Compressed request bodies: inflated when valid, a clear 400 when not."""

from __future__ import annotations

import gzip

import httpx


def test_a_gzip_body_is_inflated(es: httpx.Client) -> None:
    body = gzip.compress(b'{"title": "compressed"}')
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    answer = es.put("/compression/_doc/1?refresh=true", content=body, headers=headers)
    try:
        assert answer.status_code == 201, answer.text
        assert es.get("/compression/_doc/1").json()["_source"] == {"title": "compressed"}
    finally:
        es.delete("/compression")


def test_a_corrupt_or_unknown_encoding_is_a_400(es: httpx.Client) -> None:
    corrupt = es.post(
        "/_bulk",
        content=b"not gzip at all",
        headers={"content-type": "application/x-ndjson", "content-encoding": "gzip"},
    )
    assert corrupt.status_code == 400
    assert "cannot be decompressed" in corrupt.json()["error"]["reason"]
    unknown = es.post(
        "/_bulk",
        content=b"x",
        headers={"content-type": "application/json", "content-encoding": "br"},
    )
    assert unknown.status_code == 400
    assert "Content-Encoding [br]" in unknown.json()["error"]["reason"]
