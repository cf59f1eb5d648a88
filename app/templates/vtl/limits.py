"""AppSync's limits on mapping templates, and the messages a template sees when it hits them.

Kept in one place so the numbers and wording can be checked against AppSync in one look.
Sources: AppSync quotas (64 KB template, 5 MB evaluated output, 1,000 `#foreach`
iterations); "Transformation too large" is the MappingTemplate error AppSync users report for
oversized output. The loop and macro wording is UNVERIFIED (no public sample found).
"""

from __future__ import annotations

MAX_TEMPLATE_BYTES = 64 * 1024
MAX_OUTPUT_BYTES = 5 * 1024 * 1024
MAX_FOREACH_ITERATIONS = 1000
MAX_MACRO_DEPTH = 20  # Velocity 1.7's default velocimacro.max.depth
MAX_RANGE_SIZE = 100_000  # Strawsync's own guard: [1..n] builds a list of n numbers

TEMPLATE_TOO_LARGE = f"Mapping template is larger than {MAX_TEMPLATE_BYTES} bytes"
OUTPUT_TOO_LARGE = "Transformation too large"
LOOP_TOO_LONG = f"#foreach exceeded the limit of {MAX_FOREACH_ITERATIONS} iterations"
RANGE_TOO_LARGE = f"Range [a..b] has more than {MAX_RANGE_SIZE} elements"


def macro_too_deep(name: str) -> str:
    return f"Max calling depth of {MAX_MACRO_DEPTH} was exceeded in macro '{name}'"
