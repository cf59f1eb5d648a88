"""Large documents are parsed and validated in a separate process, never on the event loop.

graphql-core needs about 3 µs per token to parse and 10 µs per token to validate, and its
overlapping-fields rule is quadratic in fields sharing a response name: a 15,000-token
document can hold the loop for seconds (see the measurements in the README). Small
documents (most of them, and every repeated one: results are cached by query text) are
checked in the server process; the rest go to one worker process, one at a time, each
within `time_limit` seconds. A document over the limit kills the worker (it is restarted
for the next one) and is answered with `ValidationTimeout`.

The worker caches its verdicts by the document's printed form, so a new comment or
whitespace does not buy a second validation; the digest of a document that ran out of
time is remembered here and refused at once when it comes back in any spelling.

A process, not a thread: a thread would still hold the GIL while it validates.
The worker's stdout carries only its answers; whatever it logs goes to stderr (the server's).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import pickle
import struct
import sys
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from graphql import (
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    Source,
    is_specified_directive,
    print_ast,
)
from graphql.utilities.print_schema import is_defined_type, print_filtered_schema

from app.execution.validation import DocumentCheck, ValidationSettings
from app.schema.prelude import AWS_DIRECTIVES, AWS_SCALARS

logger = logging.getLogger("strawsync.validation")

VALIDATION_TIMEOUT = "ValidationTimeout"
WORKER_CACHE_SIZE = 1024
SLOW_DIGESTS = 256
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""Where `app` is imported from, for the worker's `python -m`."""


@dataclass(frozen=True, slots=True)
class ReportedError:
    """A validation error as the worker sends it back: picklable, positions in the query."""

    message: str
    positions: tuple[int, ...]
    error_type: str | None

    def rebuild(self, source: Source, syntax: bool) -> GraphQLError:
        extensions = {"errorType": self.error_type} if self.error_type else None
        if syntax and self.positions:
            prefix = "Syntax Error: "
            description = self.message.removeprefix(prefix)
            return GraphQLSyntaxError(source, self.positions[0], description)
        return GraphQLError(
            self.message, source=source, positions=self.positions or None, extensions=extensions
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The worker's answer for one document: no errors means valid."""

    errors: tuple[ReportedError, ...]
    syntax_error: bool = False

    def without_positions(self) -> Verdict:
        """The verdict for another spelling of the same document (positions would be off)."""
        errors = tuple(ReportedError(e.message, (), e.error_type) for e in self.errors)
        return Verdict(errors, self.syntax_error)


class ValidationTimeout(Exception):
    """The document took longer than the worker's time limit to validate."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"Validating the document took longer than {seconds:g} s; simplify the query."
        )


def schema_sdl(schema: GraphQLSchema) -> str:
    """The schema as the user would write it (no AppSync prelude): what the worker loads, with
    the AppSync scalars' own literal rules, exactly as the server's schema was built."""
    return print_filtered_schema(
        schema,
        lambda directive: (
            not is_specified_directive(directive) and directive.name not in AWS_DIRECTIVES
        ),
        lambda named: is_defined_type(named) and named.name not in AWS_SCALARS,
    )


class ValidationWorker:
    """The server side of the worker process: started on first use, restarted after a kill.

    The worker is `python -m app.execution.validation_worker`, spoken to over its stdin and
    stdout with length-prefixed pickles (a subprocess rather than multiprocessing, which
    would re-import the embedding program's main module).
    """

    def __init__(
        self, schema: GraphQLSchema, settings: ValidationSettings, time_limit: float
    ) -> None:
        self._setup = (schema_sdl(schema), settings)
        self.time_limit = time_limit
        self._lock = asyncio.Lock()
        self._process: asyncio.subprocess.Process | None = None
        self._slow: OrderedDict[bytes, None] = OrderedDict()

    async def check(self, query: str) -> Verdict:
        """Validate `query` in the worker. Raises ValidationTimeout past the time limit and
        WorkerFailed when the worker cannot answer.

        A caller that is cancelled does not interrupt the exchange (the worker would be left
        mid-answer); the next caller waits for it instead.
        """
        return await asyncio.shield(asyncio.ensure_future(self._exchange(query)))

    async def _exchange(self, query: str) -> Verdict:
        async with self._lock:
            digest: bytes | None = None
            try:
                async with asyncio.timeout(self.time_limit):
                    process = await self._running()
                    assert process.stdin is not None and process.stdout is not None
                    await _send(process.stdin, (query, frozenset(self._slow)))
                    while True:
                        kind, payload = await _receive(process.stdout)
                        if kind == "digest":
                            digest = payload
                        elif kind == "slow":
                            raise ValidationTimeout(self.time_limit)
                        else:
                            assert isinstance(payload, Verdict)
                            return payload
            except TimeoutError:
                logger.warning(
                    "validating a %d-character document took over %gs; worker restarted",
                    len(query),
                    self.time_limit,
                )
                if digest is not None:
                    self._slow[digest] = None
                    if len(self._slow) > SLOW_DIGESTS:
                        self._slow.popitem(last=False)
                await self._stop()
                raise ValidationTimeout(self.time_limit) from None
            except (OSError, EOFError, asyncio.IncompleteReadError, pickle.PickleError) as exc:
                logger.error("the validation worker failed (%s); restarting it", exc)
                await self._stop()
                raise WorkerFailed from exc

    async def _running(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT, path]))}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.execution.validation_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdin is not None
        await _send(process.stdin, self._setup)
        self._process = process
        return process

    async def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.kill()
        with contextlib.suppress(ProcessLookupError):
            await process.wait()

    async def close(self) -> None:
        """Stop the worker process (the server is shutting down)."""
        await self._stop()


class WorkerFailed(Exception):
    """The worker exited or answered nonsense; it is restarted for the next document."""


_HEADER = struct.Struct(">I")


async def _send(stream: asyncio.StreamWriter, message: object) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)) + body)
    await stream.drain()


async def _receive(stream: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    return pickle.loads(await stream.readexactly(size))


# The worker process ------------------------------------------------------------------------


def _report(errors: Sequence[GraphQLError], syntax: bool = False) -> Verdict:
    return Verdict(
        tuple(
            ReportedError(
                error.message,
                tuple(error.positions or ()),
                _error_type(error),
            )
            for error in errors
        ),
        syntax,
    )


def _error_type(error: GraphQLError) -> str | None:
    typed = error.extensions.get("errorType") if error.extensions else None
    return typed if isinstance(typed, str) else None


def serve(reader: BinaryIO, writer: BinaryIO) -> None:
    """The worker's loop: the schema and settings, then one document in, an optional digest
    and one answer out, until the server closes the pipe."""
    from app.schema.sdl import load_sdl

    sdl, settings = _read(reader)
    loaded = load_sdl(sdl, "schema.graphql")
    if loaded.schema is None:  # pragma: no cover - the server's own schema always loads
        raise RuntimeError("the validation worker could not load the schema")
    check = DocumentCheck(loaded.schema, settings)
    verdicts: OrderedDict[bytes, tuple[bytes, Verdict]] = OrderedDict()
    while True:
        try:
            query, slow = _read(reader)
        except EOFError:
            return
        _write(writer, _answer(check, query, slow, verdicts, writer))


def _read(reader: BinaryIO) -> Any:
    header = reader.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    return pickle.loads(reader.read(size))


def _write(writer: BinaryIO, message: object) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(_HEADER.pack(len(body)) + body)
    writer.flush()


def _answer(
    check: DocumentCheck,
    query: str,
    slow: frozenset[bytes],
    verdicts: OrderedDict[bytes, tuple[bytes, Verdict]],
    writer: BinaryIO,
) -> tuple[str, Verdict | None]:
    parsed = check.parse(query)
    if parsed.document is None:
        return "verdict", _report(parsed.errors, syntax=True)
    digest = _digest(print_ast(parsed.document))
    if digest in slow:
        return "slow", None
    cached = verdicts.get(digest)
    if cached is not None:
        verdicts.move_to_end(digest)
        spelling, verdict = cached
        same = spelling == _digest(query)
        return "verdict", verdict if same else verdict.without_positions()
    _write(writer, ("digest", digest))
    verdict = _report(check.validate(parsed.document))
    verdicts[digest] = (_digest(query), verdict)
    if len(verdicts) > WORKER_CACHE_SIZE:
        verdicts.popitem(last=False)
    return "verdict", verdict


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


if __name__ == "__main__":
    # Run the module's importable twin, so that what it pickles names this module, not
    # `__main__`.
    from app.execution import validation_worker

    validation_worker.serve(sys.stdin.buffer, sys.stdout.buffer)
