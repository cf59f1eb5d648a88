"""A loopback fake OpenSearch endpoint that checks authentication as the real ones do.

- `sigv4`: the signature is recomputed with botocore's `SigV4Auth` over the headers the
  `Authorization` header says were signed, as received (service `es` or `aoss`, the fake's
  region and secret); for `aoss` the `X-Amz-Content-SHA256` header must also be the body's
  hash. A wrong signature is answered 403 as Amazon OpenSearch Service answers it.
- `basic`: the `Authorization: Basic` header must carry the fake's user and password (401).
- no auth: anything goes.

Each request is recorded (`calls`), then answered by the next scripted `Answer`, else by a
small in-memory document store (`PUT/GET/DELETE /<index>/_doc/<id>`, `PUT /<index>`,
`HEAD /<index>`), else echoed back.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDOPENSEARCHFAKE"
SECRET_KEY = "opensearch-fake-secret"
SESSION_TOKEN = "fake-session-token"
REGION = "eu-central-1"
USERNAME = "admin"
PASSWORD = "s3cr3t-Passw0rd!"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    """Close the connection without answering (after reading the request)."""


@dataclass
class Call:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes
    verdict: str = "ok"


@dataclass
class FakeOpenSearch:
    sigv4_service: str | None = None
    basic: bool = False
    region: str = REGION
    answers: list[Answer] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        call = Call(request.method, request.raw_path, dict(request.headers), body)
        self.calls.append(call)
        refusal = self._check_auth(request, body)
        if refusal is not None:
            call.verdict = refusal.text or "refused"
            return refusal
        if self.answers:
            answer = self.answers.pop(0)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            if answer.drop:
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            if answer.body is None:
                return web.Response(status=answer.status)
            return web.json_response(answer.body, status=answer.status)
        return self._store(request.method, request.path, body)

    def _check_auth(self, request: web.Request, body: bytes) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if self.basic:
            expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            if header != f"Basic {expected}":
                return web.Response(status=401, text="Unauthorized")
            return None
        if self.sigv4_service is None:
            return None
        if not header.startswith("AWS4-HMAC-SHA256 "):
            return _forbidden("Authorization header requires 'Credential' parameter.")
        parts = dict(
            item.strip().split("=", 1) for item in header[len("AWS4-HMAC-SHA256 ") :].split(",")
        )
        access_key, date, region, service, _ = parts["Credential"].split("/")
        if (access_key, region, service) != (ACCESS_KEY, self.region, self.sigv4_service):
            return _forbidden(f"Credential should be scoped to {self.region}/{self.sigv4_service}")
        signed = parts["SignedHeaders"].split(";")
        headers = {name: request.headers[name] for name in signed}
        if self.sigv4_service == "aoss":
            if request.headers.get("X-Amz-Content-SHA256") != hashlib.sha256(body).hexdigest():
                return _forbidden("x-amz-content-sha256 is missing or does not match the body")
            if "x-amz-content-sha256" not in signed:
                return _forbidden("x-amz-content-sha256 must be signed")
        aws = AWSRequest(
            method=request.method,
            url=f"http://{request.headers['Host']}{request.raw_path}",
            headers=headers,
            data=body,
        )
        aws.context["timestamp"] = request.headers["X-Amz-Date"]
        token = request.headers.get("X-Amz-Security-Token")
        auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, token), service, region)
        canonical = auth.canonical_request(aws)
        expected = auth.signature(auth.string_to_sign(aws, canonical), aws)
        if expected != parts["Signature"] or date != request.headers["X-Amz-Date"][:8]:
            return _forbidden(
                "The request signature we calculated does not match the signature you provided."
            )
        return None

    def _store(self, method: str, path: str, body: bytes) -> web.Response:
        segments = [s for s in path.split("/") if s]
        if len(segments) == 1 and method in ("PUT", "HEAD", "DELETE"):
            return self._index(method, segments[0], body)
        if len(segments) == 3 and segments[1] == "_doc":
            index, _, doc_id = segments
            docs = self.indexes.get(index)
            if docs is None:
                return web.json_response(
                    _error(404, "index_not_found_exception", index), status=404
                )
            if method == "PUT":
                docs[doc_id] = orjson.loads(body)
                return web.json_response({"_index": index, "_id": doc_id, "result": "created"})
            if method == "GET" and doc_id in docs:
                return web.json_response(
                    {"_index": index, "_id": doc_id, "found": True, "_source": docs[doc_id]}
                )
            if method == "DELETE" and docs.pop(doc_id, None) is not None:
                return web.json_response({"_index": index, "_id": doc_id, "result": "deleted"})
            return web.json_response({"_index": index, "_id": doc_id, "found": False}, status=404)
        return web.json_response({"method": method, "path": path, "body": body.decode()})

    def _index(self, method: str, name: str, body: bytes) -> web.Response:
        if method == "HEAD":
            return web.Response(status=200 if name in self.indexes else 404)
        if method == "DELETE":
            self.indexes.pop(name, None)
            return web.json_response({"acknowledged": True})
        if name in self.indexes:
            error = _error(400, "resource_already_exists_exception", name)
            return web.json_response(error, status=400)
        self.indexes[name] = {}
        return web.json_response({"acknowledged": True, "index": name})


def _forbidden(message: str) -> web.Response:
    return web.json_response({"message": message}, status=403)


def _error(status: int, kind: str, index: str) -> dict[str, Any]:
    reason = {
        "index_not_found_exception": f"no such index [{index}]",
        "resource_already_exists_exception": f"index [{index}] already exists",
    }[kind]
    cause = {"type": kind, "reason": reason, "index": index}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


@asynccontextmanager
async def running(fake: FakeOpenSearch) -> AsyncIterator[FakeOpenSearch]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
