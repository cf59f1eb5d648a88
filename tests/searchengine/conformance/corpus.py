"""Six short articles whose every expected answer can be worked out by hand.

Terms as the standard analyzer indexes them (lowercased words; no stemming):

    id  title                             body
    1   the quick brown fox               a quick brown fox jumps over the lazy dog
    2   lazy dogs sleep                   the dog sleeps all day long
    3   brown bread recipe                bake brown bread with whole wheat flour
    4   quick recipes for busy people     fast food made at home quick and brown
    5   foxes in the wild                 wild foxes hunt at night the fox is quick
    6   a brown quick fox story           once upon a time a fox

Article 5 has no `price` and no `rating`; article 6 has an empty `tags` list.
"""

from __future__ import annotations

from typing import Any, Final

ARTICLE_MAPPINGS: Final[dict[str, Any]] = {
    "properties": {
        "title": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
        "body": {"type": "text"},
        "tags": {"type": "keyword"},
        "sku": {"type": "keyword"},
        "author": {"type": "keyword"},
        "price": {"type": "integer"},
        "rating": {"type": "double"},
        "published": {"type": "date"},
        "active": {"type": "boolean"},
    }
}

ARTICLES: Final[dict[str, dict[str, Any]]] = {
    "1": {
        "title": "The quick brown fox",
        "body": "A quick brown fox jumps over the lazy dog",
        "tags": ["animal", "fast"],
        "sku": "AB-100",
        "author": "alice",
        "price": 10,
        "rating": 4.5,
        "published": "2024-01-01T10:00:00Z",
        "active": True,
    },
    "2": {
        "title": "Lazy dogs sleep",
        "body": "The dog sleeps all day long",
        "tags": ["animal"],
        "sku": "AB-200",
        "author": "bob",
        "price": 25,
        "rating": 3.0,
        "published": "2024-01-02T12:00:00Z",
        "active": False,
    },
    "3": {
        "title": "Brown bread recipe",
        "body": "Bake brown bread with whole wheat flour",
        "tags": ["food"],
        "sku": "CD-300",
        "author": "alice",
        "price": 5,
        "rating": 4.9,
        "published": "2024-01-05T08:30:00Z",
        "active": True,
    },
    "4": {
        "title": "Quick recipes for busy people",
        "body": "Fast food made at home, quick and brown",
        "tags": ["food", "fast"],
        "sku": "CD-310",
        "author": "carol",
        "price": 40,
        "rating": 2.5,
        "published": "2024-02-01T00:00:00Z",
        "active": True,
    },
    "5": {
        "title": "Foxes in the wild",
        "body": "Wild foxes hunt at night, the fox is quick",
        "tags": ["animal", "wild"],
        "sku": "EF-1",
        "author": "dave",
        "published": "2024-02-03T18:00:00Z",
        "active": False,
    },
    "6": {
        "title": "A brown quick fox story",
        "body": "Once upon a time a fox",
        "tags": [],
        "sku": "EF-20",
        "author": "bob",
        "price": 15,
        "rating": 4.0,
        "published": "2024-01-02T06:00:00Z",
        "active": True,
    },
}
