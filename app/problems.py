"""Problems found while loading an API definition, each pinned to a file, line and column.

Loading never stops at the first mistake: every stage appends what it finds to a list of
`Problem` values so `strawsync validate` can report them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the user's project. Lines and columns are 1-based; 0 means unknown."""

    file: str
    line: int
    column: int
    message: str
    kind: str = "definition"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.kind}: {self.message}"


class DefinitionError(Exception):
    """Raised when an API definition has problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [str(problem) for problem in self.problems]
        count = len(self.problems)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found")
        return "\n".join(lines)
