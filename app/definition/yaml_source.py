"""YAML documents that remember where each value came from, for problem reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML file plus the 1-based position of every mapping key and value."""

    file: str
    value: Any
    positions: dict[Path, Position] = field(default_factory=dict)

    def where(self, *path: str | int) -> Position:
        """Position of `path`, or of its nearest ancestor; (1, 1) for the document itself."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Position(1, 1))


class YamlSyntaxError(Exception):
    def __init__(self, message: str, position: Position) -> None:
        self.message = message
        self.position = position
        super().__init__(message)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document with the safe loader, recording positions.

    Raises YamlSyntaxError with the line and column YAML reports.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {(): Position(1, 1)})
        positions: dict[Path, Position] = {}
        _record(node, (), positions)
        value = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        raise YamlSyntaxError(str(exc.problem or exc.context or "invalid YAML"), position) from exc
    finally:
        loader.dispose()
    return YamlDocument(file, value, positions)


def _record(node: yaml.Node, path: Path, positions: dict[Path, Position]) -> None:
    positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _record(value_node, (*path, key), positions)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), positions)
