"""Logging that never writes a credential.

Clients send secrets in many places a log line can show: the AppSync real-time URL carries the
whole handshake header (API key, JWT or SigV4 signature) base64-encoded in `header=`, headers
such as `x-api-key` and `Authorization` appear in uvicorn's and websockets' debug output, frames
carry `connection_init` payloads, and botocore's debug output carries SigV4 `Authorization`
headers. `RedactSecrets` is a filter on every handler the server sets up (the root handler,
uvicorn's `default` and `access` handlers), so it sees every record of `strawsync.*`,
`uvicorn.error`, `uvicorn.access` and any library, and rewrites it before it is formatted:

- structurally: the query parameters and header values known to carry credentials, and the
  data of WebSocket frames (logged by size only);
- by shape, as a safety net for free text: API keys (`da2-...`), JWTs and base64-encoded JSON
  (`eyJ...`), and SigV4 signatures (`Signature=<hex>`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from websockets.frames import DATA_OPCODES, Frame

REDACTED: Final = "[redacted]"

SECRET_HEADERS: Final = frozenset(
    {"x-api-key", "authorization", "x-amz-security-token", "cookie", "proxy-authorization"}
)
"""Request headers whose value is a credential (matched case-insensitively)."""
SECRET_QUERY_PARAMETERS: Final = frozenset(
    {"header", "payload", "x-api-key", "authorization", "x-amz-signature", "x-amz-security-token"}
)
"""Query parameters whose value is a credential: AppSync's real-time `header` and `payload`,
and those of a SigV4-presigned URL."""

_NAMES = "|".join(re.escape(name) for name in sorted(SECRET_HEADERS))
_PARAMETERS = "|".join(re.escape(name) for name in sorted(SECRET_QUERY_PARAMETERS))
_UNQUOTED_VALUE = rf"(?!b['\"]|{re.escape(REDACTED)})[^\s'\",&;][^\r\n'\",&;]*"
_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # ?header=...&payload=... in a URL or a request line.
    (re.compile(rf"(?i)([?&;](?:{_PARAMETERS})=)[^&;\s\"'#]*"), rf"\1{REDACTED}"),
    # 'authorization': 'value' / "x-api-key":"value" / authorization=b'value' (dicts, JSON).
    (re.compile(rf"(?i)\b((?:{_NAMES})['\"]?\s*[:=]\s*b?(['\"]))(.*?)\2"), rf"\1{REDACTED}\2"),
    # Authorization: value (an HTTP header line), up to a comma or the end of the line.
    (re.compile(rf"(?i)\b((?:{_NAMES})\s*[:=]\s*){_UNQUOTED_VALUE}"), rf"\1{REDACTED}"),
    # SigV4: Signature=<hex> in an Authorization header, X-Amz-Signature=<hex> in a URL.
    (re.compile(r"(?i)(signature=)[0-9a-f]{16,}"), rf"\1{REDACTED}"),
    # AppSync API keys.
    (re.compile(r"(?i)\bda2-[a-z0-9]{8,}"), REDACTED),
    # JWTs, and base64 (or base64url) of any JSON object: an AppSync `header` out of place.
    (re.compile(r"eyJ[A-Za-z0-9_\-+/]{4,}={0,2}(?:\.[A-Za-z0-9_\-+/=]*){0,2}"), REDACTED),
)
_MARKERS: Final = (
    *(f"{name}=" for name in sorted(SECRET_QUERY_PARAMETERS)),
    *sorted(SECRET_HEADERS),
    "signature=",
    "da2-",
    "eyj",
)
"""Lower-case text without any of these matches none of `_RULES`: most lines are let through
after a few substring tests (a regular expression over every line costs several times more)."""
_HEADER_LINE: Final = re.compile(r"%[sr]: %[sr]$")
_PLAIN: Final = (int, float, bool, type(None))
_exceptions = logging.Formatter()


def redact(text: str) -> str:
    """`text` with every credential it shows replaced by `[redacted]`."""
    lowered = text.lower()
    for marker in _MARKERS:
        if marker in lowered:
            break
    else:
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record so that no credential reaches the handler's output.

    Arguments keep their type unless they show a secret (uvicorn's access formatter unpacks
    them); the exception text is formatted here, redacted, and kept for the formatter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None:
            record.msg = redact(str(record.msg))
        if isinstance(record.args, Mapping):
            record.args = {key: _argument(value) for key, value in record.args.items()}
        elif record.args:
            record.args = _arguments(record.msg, record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = _exceptions.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _arguments(message: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    redacted = [_argument(value) for value in args]
    # websockets logs each header as ("< %s: %s", name, value).
    if len(args) == 2 and isinstance(message, str) and _HEADER_LINE.search(message):
        name = args[0]
        if isinstance(name, str) and name.lower() in SECRET_HEADERS:
            redacted[1] = REDACTED
    return tuple(redacted)


def _argument(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Frame) and value.opcode in DATA_OPCODES:
        return f"{value.opcode.name} {REDACTED} [{len(value.data)} bytes]"
    text = value if isinstance(value, str) else str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def configure_logging(level: str) -> None:
    """The server's root handler (stderr), with secrets redacted; for `strawsync serve`."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with `RedactSecrets` on both of its handlers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_secrets": {"()": RedactSecrets}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["redact_secrets"],
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["redact_secrets"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
