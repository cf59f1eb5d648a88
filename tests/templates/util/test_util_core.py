"""`$util` root: errors, validation, null and type checks, matching, auth type, logging."""

from __future__ import annotations

import re

import pytest

from app.templates.api import (
    RenderScope,
    TemplateError,
    TemplateErrorRaised,
    TemplateNamespace,
    TemplateRuntimeError,
    UnauthorizedRaised,
)
from app.templates.util import build_extensions, build_util
from app.templates.util.core import UtilNamespace, format_log_message


@pytest.fixture
def scope() -> RenderScope:
    return RenderScope(auth_type="API_KEY")


@pytest.fixture
def util(scope: RenderScope) -> UtilNamespace:
    return build_util(scope)


def test_build_util_exposes_every_namespace(util: UtilNamespace) -> None:
    for name in ("time", "list", "map", "str", "math", "dynamodb", "rds", "http", "xml"):
        assert isinstance(getattr(util, name), TemplateNamespace)
    assert isinstance(util.transform, TemplateNamespace)
    assert isinstance(util.log, TemplateNamespace)
    assert isinstance(build_extensions(RenderScope()), TemplateNamespace)


def test_stateless_namespaces_are_shared_between_renders() -> None:
    first, second = build_util(RenderScope()), build_util(RenderScope())
    assert first.time is second.time
    assert first.dynamodb is second.dynamodb
    assert first.http is not second.http


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("boom",), TemplateError("boom")),
        (("boom", "MyError"), TemplateError("boom", "MyError")),
        (("boom", "MyError", {"a": 1}), TemplateError("boom", "MyError", {"a": 1})),
        (
            ("boom", "MyError", {"a": 1}, {"why": "x"}),
            TemplateError("boom", "MyError", {"a": 1}, {"why": "x"}),
        ),
    ],
)
def test_error_raises_with_every_overload(
    util: UtilNamespace, arguments: tuple[object, ...], expected: TemplateError
) -> None:
    with pytest.raises(TemplateErrorRaised) as raised:
        util.error(*arguments)
    assert raised.value.error == expected


def test_append_error_records_and_renders_nothing(util: UtilNamespace, scope: RenderScope) -> None:
    assert util.appendError("first") == ""
    assert util.appendError("second", "Type", {"d": 1}, {"i": 2}) == ""
    assert scope.appended_errors == [
        TemplateError("first"),
        TemplateError("second", "Type", {"d": 1}, {"i": 2}),
    ]


def test_error_message_that_is_not_a_string_prints_like_java(util: UtilNamespace) -> None:
    with pytest.raises(TemplateErrorRaised) as raised:
        util.error(None)
    assert raised.value.error.message == "null"


def test_unauthorized_raises(util: UtilNamespace) -> None:
    with pytest.raises(UnauthorizedRaised):
        util.unauthorized()


def test_validate_passes_quietly(util: UtilNamespace) -> None:
    assert util.validate(True, "never") == ""


def test_validate_fails_with_custom_template_exception(util: UtilNamespace) -> None:
    with pytest.raises(TemplateErrorRaised) as raised:
        util.validate(False, "foo")
    assert raised.value.error == TemplateError("foo", "CustomTemplateException")


def test_validate_overloads_set_type_and_data(util: UtilNamespace) -> None:
    with pytest.raises(TemplateErrorRaised) as raised:
        util.validate(False, "a", "b", {"c": 1})
    assert raised.value.error == TemplateError("a", "b", {"c": 1})


def test_validate_needs_a_boolean(util: UtilNamespace) -> None:
    with pytest.raises(TemplateRuntimeError, match="Boolean"):
        util.validate(None, "x")


def test_null_helpers(util: UtilNamespace) -> None:
    assert util.isNull(None) and not util.isNull("")
    assert util.isNullOrEmpty(None) and util.isNullOrEmpty("") and util.isNullOrEmpty([])
    assert not util.isNullOrEmpty(" ") and not util.isNullOrEmpty(0)
    assert util.isNullOrBlank(" \t\n") and util.isNullOrBlank(None)
    assert not util.isNullOrBlank("\u00a0x")
    assert util.defaultIfNull(None, "d") == "d" and util.defaultIfNull(0, "d") == 0
    assert util.defaultIfNullOrEmpty("", "d") == "d" and util.defaultIfNullOrEmpty(" ", "d") == " "
    assert util.defaultIfNullOrBlank(" ", "d") == "d" and util.defaultIfNullOrBlank("x", "d") == "x"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "Null"),
        (1, "Number"),
        (1.5, "Number"),
        ("s", "String"),
        ({}, "Map"),
        ([], "List"),
        (True, "Boolean"),
        (object(), "Object"),
    ],
)
def test_type_of(util: UtilNamespace, value: object, kind: str) -> None:
    assert util.typeOf(value) == kind


def test_type_checks_do_not_count_booleans_as_numbers(util: UtilNamespace) -> None:
    assert util.isNumber(3) and util.isNumber(2.5) and not util.isNumber(True)
    assert util.isBoolean(False) and util.isString("") and util.isList([]) and util.isMap({})
    assert not util.isString(None) and not util.isMap([])


def test_matches_is_a_whole_string_java_match(util: UtilNamespace) -> None:
    assert util.matches("a*b", "aaaaab")  # the AppSync docs' example
    assert not util.matches("a*b", "xaab")
    assert not util.matches("a", "aa")
    assert util.matches("\\d{3}-\\d{4}", "555-1234")


def test_matches_speaks_java_regex(util: UtilNamespace) -> None:
    assert util.matches("(?<year>\\d{4})-\\k<year>", "2018-2018")
    assert util.matches("\\Qa.b\\E", "a.b") and not util.matches("\\Qa.b\\E", "axb")
    assert util.matches("\\p{Alpha}+\\p{Digit}", "abc1")
    assert util.matches("\\p{Lu}\\p{L}+", "Émile")
    assert not util.matches("\\w+", "héllo")  # \w is ASCII-only in Java


def test_matches_reports_a_bad_pattern(util: UtilNamespace) -> None:
    with pytest.raises(TemplateRuntimeError, match="Invalid regular expression"):
        util.matches("(", "x")


@pytest.mark.parametrize(
    ("mode", "name"),
    [
        ("API_KEY", "API Key Authorization"),
        ("AWS_IAM", "IAM Authorization"),
        ("AMAZON_COGNITO_USER_POOLS", "User Pool Authorization"),
        ("OPENID_CONNECT", "Open ID Connect Authorization"),
        ("AWS_LAMBDA", "Lambda Authorization"),
        (None, None),
    ],
)
def test_auth_type(mode: str | None, name: str | None) -> None:
    assert build_util(RenderScope(auth_type=mode)).authType() == name


def test_qr_and_quiet_render_nothing(util: UtilNamespace) -> None:
    assert util.qr({"anything": 1}) == "" and util.quiet(None) == ""


def test_log_fills_placeholders_in_order(scope: RenderScope) -> None:
    lines: list[tuple[str, str]] = []
    scope.log = lambda level, message: lines.append((level, message))
    util = build_util(scope)
    assert util.log.info("user {} did {}", "bob", {"n": [1.0]}) == ""
    util.log.debug({"plain": None})
    util.log.error("only {} of {}", 1)
    assert lines == [
        ("INFO", "user bob did {n=[1.0]}"),
        ("DEBUG", "{plain=null}"),
        ("ERROR", "only 1 of {}"),
    ]


def test_log_without_a_sink_is_quiet(util: UtilNamespace) -> None:
    assert util.log.info("nobody listens {}", 1) == ""


def test_log_format_escapes() -> None:
    assert format_log_message("a \\{} {}", (1,)) == "a {} 1"
    assert format_log_message("a \\\\{}", (1,)) == "a \\1"
    assert format_log_message("no placeholders", (1, 2)) == "no placeholders"


def test_json_round_trip(util: UtilNamespace) -> None:
    assert util.toJson(util.parseJson('{"a":[1,2.0]}')) == '{"a":[1,2.0]}'
    with pytest.raises(TemplateRuntimeError):
        util.parseJson(None)


def test_url_encoding_follows_java_urlencoder(util: UtilNamespace) -> None:
    assert util.urlEncode("a b*~.-_é/+?&=") == "a+b*%7E.-_%C3%A9%2F%2B%3F%26%3D"
    assert util.urlDecode("a+b%2A%7E%C3%A9%2f") == "a b*~é/"
    with pytest.raises(TemplateRuntimeError, match="Incomplete"):
        util.urlDecode("100%")
    with pytest.raises(TemplateRuntimeError, match="Illegal hex"):
        util.urlDecode("%zz")


def test_base64(util: UtilNamespace) -> None:
    assert util.base64Encode("hello wörld") == "aGVsbG8gd8O2cmxk"
    assert util.base64Decode("aGVsbG8gd8O2cmxk") == "hello wörld"
    assert util.base64Decode("aGVsbG8") == "hello"  # padding is optional
    for bad in ("aGVs bG8=", "a", "aGVsbG8=x", "aGV-"):
        with pytest.raises(TemplateRuntimeError):
            util.base64Decode(bad)


def test_escape_javascript_follows_commons_lang(util: UtilNamespace) -> None:
    text = 'It\'s "x"/y\\ é€😀\n\x01\x7f'
    expected = 'It\\\'s \\"x\\"\\/y\\\\ \\u00E9\\u20AC\\uD83D\\uDE00\\n\\u0001\x7f'
    assert util.escapeJavaScript(text) == expected


def test_generated_ids_have_their_formats(util: UtilNamespace) -> None:
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", util.autoId()
    )
    assert re.fullmatch(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", util.autoUlid())
    assert re.fullmatch(r"[0-9A-Za-z]{27}", util.autoKsuid())
    assert util.autoId() != util.autoId()


def test_string_arguments_are_checked(util: UtilNamespace) -> None:
    with pytest.raises(
        TemplateRuntimeError, match=r"\$util.urlEncode: argument 1 must be a String, got Integer"
    ):
        util.urlEncode(5)
