"""`$util.http`: header copying and response headers recorded on the scope."""

from __future__ import annotations

from app.templates.api import ExtensionCall, RenderScope
from app.templates.util.http import HttpNamespace


def test_copy_headers_drops_hop_by_hop_headers() -> None:
    headers = {
        "Host": "example.com",
        "content-length": "10",
        "Connection": "keep-alive",
        "x-custom": "1",
        "authorization": "token",
        "accept": ["a", "b"],
    }
    assert HttpNamespace(RenderScope()).copyHeaders(headers) == {
        "x-custom": "1",
        "authorization": "token",
        "accept": ["a", "b"],
    }


def test_add_response_headers_records_calls() -> None:
    scope = RenderScope()
    http = HttpNamespace(scope)
    assert http.addResponseHeader("x-one", "1") == ""
    assert http.addResponseHeaders({"x-two": 2, "x-three": "3"}) == ""
    assert scope.extension_calls == [
        ExtensionCall("addResponseHeader", ("x-one", "1")),
        ExtensionCall("addResponseHeader", ("x-two", "2")),
        ExtensionCall("addResponseHeader", ("x-three", "3")),
    ]
    assert scope.appended_errors == []


def test_refused_headers_are_ignored_with_an_error() -> None:
    scope = RenderScope()
    http = HttpNamespace(scope)
    for name, value in [
        ("Content-Type", "text/plain"),
        ("x-amzn-RequestId", "1"),
        ("x-amz-date", "1"),
        ("Vary", "x"),
        ("bad name", "1"),
        ("", "1"),
        ("x-ok", None),
    ]:
        http.addResponseHeader(name, value)
    assert scope.extension_calls == []
    assert len(scope.appended_errors) == 7
    assert {error.error_type for error in scope.appended_errors} == {"ResponseHeaderError"}


def test_response_headers_are_limited_to_4kb() -> None:
    scope = RenderScope()
    http = HttpNamespace(scope)
    http.addResponseHeader("x-big", "a" * 4000)
    http.addResponseHeader("x-big", "b" * 4000)  # replaces the first value: still fits
    http.addResponseHeader("x-more", "c" * 200)
    assert [call.arguments[0] for call in scope.extension_calls] == ["x-big", "x-big"]
    assert len(scope.appended_errors) == 1
