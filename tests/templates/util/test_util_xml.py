"""`$util.xml`: AppSync's documented examples and org.json's conversion rules."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.xml import XML

ONE_POST = """<?xml version="1.0" encoding="UTF-8"?>
<posts>
<post>
  <id>1</id>
  <title>Getting started with GraphQL</title>
</post>
</posts>"""

TWO_POSTS = """<?xml version="1.0" encoding="UTF-8"?>
<posts>
<post>
  <id>1</id>
  <title>Getting started with GraphQL</title>
</post>
<post>
  <id>2</id>
  <title>Getting started with AppSync</title>
</post>
</posts>"""


def test_to_map_documented_examples() -> None:
    assert XML.toMap(ONE_POST) == {
        "posts": {"post": {"id": 1, "title": "Getting started with GraphQL"}}
    }
    assert XML.toMap(TWO_POSTS) == {
        "posts": {
            "post": [
                {"id": 1, "title": "Getting started with GraphQL"},
                {"id": 2, "title": "Getting started with AppSync"},
            ]
        }
    }


def test_to_json_string() -> None:
    assert XML.toJsonString(ONE_POST) == (
        '{"posts":{"post":{"id":1,"title":"Getting started with GraphQL"}}}'
    )
    assert XML.toJsonString("<a>1</a>", True) == '"{\\"a\\":1}"'


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-7", -7),
        ("1.5", 1.5),
        ("1.0", 1.0),
        ("007", "007"),
        ("-0", "-0"),
        ("1.50", "1.50"),
        ("1e5", "1e5"),
        ("TRUE", True),
        ("false", False),
        ("null", None),
        ("99999999999999999999", "99999999999999999999"),
        ("12abc", "12abc"),
    ],
)
def test_element_text_is_typed_like_org_json(text: str, value: object) -> None:
    assert XML.toMap(f"<v>{text}</v>") == {"v": value}


def test_attributes_content_and_empty_elements() -> None:
    document = '<a x="1.5" y="007">text &amp; more<b/><c>null</c><d><![CDATA[ 42 ]]></d>tail</a>'
    assert XML.toMap(document) == {
        "a": {
            "b": "",
            "c": None,
            "d": " 42 ",
            "x": 1.5,
            "y": "007",
            "content": ["text & more", "tail"],
        }
    }


def test_maps_iterate_in_hashmap_order() -> None:
    assert list(XML.toMap("<r><title>t</title><id>1</id><upvotes>2</upvotes></r>")["r"]) == [
        "upvotes",
        "id",
        "title",
    ]


def test_namespaced_names_are_kept() -> None:
    assert XML.toMap('<s:a xmlns:s="urn:x"><s:b>1</s:b></s:a>') == {
        "s:a": {"s:b": 1, "xmlns:s": "urn:x"}
    }


@pytest.mark.parametrize(
    "document",
    [
        '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        '<!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><a>&b;</a>',
        "<a>",
        "not xml",
    ],
)
def test_unsafe_or_malformed_documents_are_refused(document: str) -> None:
    with pytest.raises(TemplateRuntimeError, match="Unable to parse XML"):
        XML.toMap(document)


def test_a_plain_doctype_is_allowed() -> None:
    assert XML.toMap("<!DOCTYPE a><a>x</a>") == {"a": "x"}
