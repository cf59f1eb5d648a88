"""Send a GraphQL request signed with AWS Signature Version 4 to a Strawsync (or AppSync) URL.

The signature is made by botocore, as AWS SDK clients make it, for the service `appsync`:

    export AWS_ACCESS_KEY_ID=AKIDLOCALDEV0001 AWS_SECRET_ACCESS_KEY=... AWS_REGION=us-east-1
    python scripts/signed_request.py http://127.0.0.1:8000/graphql \\
        --query 'query { listEvents { items { id name } } }'

Credentials come from the options or from the usual AWS environment variables (prefer the
environment: options are visible to other users in the process list). The response body is
printed; the exit status is 0 for a 2xx response without GraphQL errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "appsync"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 for a 2xx response without GraphQL errors, 1 otherwise.",
    )
    parser.add_argument("url", help="the GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql")
    text = parser.add_mutually_exclusive_group(required=True)
    text.add_argument("--query", help="the GraphQL document")
    text.add_argument("--query-file", type=Path, help="a file holding the GraphQL document")
    parser.add_argument("--variables", default="{}", help="variables as a JSON object")
    parser.add_argument("--operation-name", help="the operation to run, if several")
    parser.add_argument(
        "--access-key",
        default=os.environ.get("AWS_ACCESS_KEY_ID"),
        help="access key id (default: $AWS_ACCESS_KEY_ID)",
    )
    parser.add_argument(
        "--secret-key",
        default=os.environ.get("AWS_SECRET_ACCESS_KEY"),
        help="secret access key (default: $AWS_SECRET_ACCESS_KEY)",
    )
    parser.add_argument(
        "--session-token",
        default=os.environ.get("AWS_SESSION_TOKEN"),
        help="session token of temporary credentials (default: $AWS_SESSION_TOKEN)",
    )
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="region to sign for (default: $AWS_REGION, then $AWS_DEFAULT_REGION)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="an extra header, signed with the rest (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    args = parser.parse_args(argv)
    for name, flag in (
        ("access_key", "--access-key"),
        ("secret_key", "--secret-key"),
        ("region", "--region"),
    ):
        if not getattr(args, name):
            parser.error(f"{flag} is required (or set its environment variable)")
    try:
        args.variables = json.loads(args.variables)
    except json.JSONDecodeError as error:
        parser.error(f"--variables is not JSON: {error}")
    if not isinstance(args.variables, dict):
        parser.error("--variables must be a JSON object")
    if any(":" not in header for header in args.header):
        parser.error("--header takes NAME:VALUE")
    return args


def signed_request(args: argparse.Namespace, body: bytes) -> tuple[str, dict[str, str]]:
    """The URL and headers of the request, signed now."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    for header in args.header:
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    request = AWSRequest(method="POST", url=args.url, data=body, headers=headers)
    credentials = Credentials(args.access_key, args.secret_key, args.session_token)
    SigV4Auth(credentials, SERVICE, args.region).add_auth(request)
    return request.url, dict(request.headers.items())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    query = args.query if args.query is not None else args.query_file.read_text()
    document: dict[str, object] = {"query": query, "variables": args.variables}
    if args.operation_name:
        document["operationName"] = args.operation_name
    body = json.dumps(document).encode()
    url, headers = signed_request(args, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=args.timeout)
    except httpx.HTTPError as error:
        print(f"request failed: {error}", file=sys.stderr)
        return 1
    try:
        payload = response.json()
    except ValueError:
        print(f"HTTP {response.status_code}", file=sys.stderr)
        print(response.text)
        return 1
    print(json.dumps(payload, indent=2))
    if not response.is_success:
        print(f"HTTP {response.status_code}", file=sys.stderr)
        return 1
    return 1 if isinstance(payload, dict) and payload.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
