"""Collecting problems while reading a project's YAML files, with file, line and column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.definition.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from app.problems import Problem


@dataclass
class Reporter:
    """Reads YAML files of one project and records every problem found in them."""

    project_dir: Path
    problems: list[Problem] = field(default_factory=list)

    def _display(self, path: Path) -> str:
        try:
            return str(self.project_dir / path.relative_to(self.project_dir))
        except ValueError:
            return str(path)

    def _problem(self, file: str, message: str, line: int = 0, column: int = 0) -> None:
        self.problems.append(Problem(file, line, column, message))

    def _at(self, doc: YamlDocument, message: str, *path: str | int) -> None:
        pos = doc.where(*path)
        self._problem(doc.file, message, pos.line, pos.column)

    def _read_yaml(self, path: Path) -> YamlDocument | None:
        display = self._display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._problem(display, f"cannot read file: {exc}")
            return None
        try:
            return parse_yaml(text, display)
        except YamlSyntaxError as exc:
            self._problem(display, f"invalid YAML: {exc.message}", *_pos(exc))
            return None

    def _mapping(self, doc: YamlDocument, allowed: frozenset[str], what: str) -> dict[str, Any]:
        if doc.value is None:
            return {}
        if not isinstance(doc.value, dict):
            self._at(doc, f"a {what} file must hold a mapping")
            return {}
        for key in doc.value:
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                self._at(doc, f"unknown key '{key}' in {what} (expected one of: {expected})", key)
        return doc.value

    def _string(self, doc: YamlDocument, values: Mapping[str, Any], key: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self._at(doc, f"'{key}' must be a non-empty string", key)
            return None
        return value


def _pos(exc: YamlSyntaxError) -> tuple[int, int]:
    return exc.position.line, exc.position.column
