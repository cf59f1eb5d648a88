"""A loopback fake of AWS Lambda's Invoke API that checks SigV4 as botocore computes it.

`POST /2015-03-31/functions/{FunctionName}/invocations`: the signature is recomputed with
botocore's `SigV4Auth` over the signed headers as received (service `lambda`, the region
and secret the fake was given); a wrong one is answered 403 `InvalidSignatureException`.
Each call is recorded (`calls`), then answered by the next scripted `Answer`, else by
`handler` (default: echo the event), with `X-Amz-Function-Error` for a function error,
202 and no body for `Event`. Runs on the test's event loop (`async with FakeLambda()`) or,
for a server in a child process, on a thread of its own (`FakeLambda.in_thread()`).
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDLAMBDAFAKE"
SECRET_KEY = "lambda-fake-secret"
REGION = "eu-west-1"
ARN = f"arn:aws:lambda:{REGION}:123456789012:function:fake-fn"


@dataclass
class Answer:
    """One scripted answer: an HTTP status, a JSON body, headers, after a delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


def function_error(message: str, error_type: str = "Error") -> Answer:
    """The function raised: 200 with `X-Amz-Function-Error: Unhandled` and Lambda's document."""
    return Answer(
        200,
        {"errorMessage": message, "errorType": error_type, "stackTrace": ["at handler"]},
        {"X-Amz-Function-Error": "Unhandled"},
    )


def throttled(reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded") -> Answer:
    return Answer(
        429,
        {"Reason": reason, "Type": "User", "message": "Rate Exceeded."},
        {"X-Amzn-ErrorType": "TooManyRequestsException:http://internal.amazon.com/coral/"},
    )


def too_large() -> Answer:
    return Answer(
        413,
        {"Type": "User", "message": "Request must be smaller than 6291456 bytes"},
        {"X-Amzn-ErrorType": "RequestTooLargeException"},
    )


def service_error() -> Answer:
    return Answer(
        500,
        {"Type": "Service", "message": "Internal error"},
        {"X-Amzn-ErrorType": "ServiceException"},
    )


@dataclass
class Call:
    """What one invocation carried."""

    function: str
    invocation_type: str
    event: Any
    client_context: Any
    signed: bool
    signed_headers: list[str]


def echo(call: Call) -> Any:
    return call.event


class FakeLambda:
    """The fake endpoint; `url` once started."""

    def __init__(self, *, secret_key: str = SECRET_KEY, region: str = REGION) -> None:
        self.secret_key = secret_key
        self.region = region
        self.calls: list[Call] = []
        self.script: list[Answer] = []
        self.handler: Callable[[Call], Any] = echo
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeLambda:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/2015-03-31/functions/{name}/invocations", self._invoke)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @classmethod
    @contextmanager
    def in_thread(cls) -> Iterator[FakeLambda]:
        """The fake on a loop of its own thread, for a server running in a child process."""
        fake = cls()
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        stop = asyncio.Event()

        async def main() -> None:
            async with fake:
                ready.set()
                await stop.wait()

        thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Lambda endpoint did not start")
        try:
            yield fake
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)
            loop.close()

    def signature_ok(self, request: web.Request, body: bytes) -> tuple[bool, list[str]]:
        """Recompute the signature with botocore's SigV4Auth over what arrived."""
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            return False, []
        fields = dict(
            part.strip().split("=", 1)
            for part in authorization[len("AWS4-HMAC-SHA256 ") :].split(",")
        )
        access_key, date, region, service, _ = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        if region != self.region or service != "lambda" or "host" not in signed:
            return False, signed
        aws_request = AWSRequest(
            method=request.method,
            url=f"http://{request.host}{request.raw_path}",
            data=body,
            headers={name: request.headers[name] for name in signed},
        )
        aws_request.context["timestamp"] = request.headers["X-Amz-Date"]
        token = request.headers.get("X-Amz-Security-Token")
        auth = SigV4Auth(Credentials(access_key, self.secret_key, token), "lambda", region)
        canonical = auth.canonical_request(aws_request)
        expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
        return expected == fields["Signature"] and date == aws_request.context["timestamp"][
            :8
        ], signed

    async def _invoke(self, request: web.Request) -> web.Response:
        body = await request.read()
        signed, signed_headers = self.signature_ok(request, body)
        context = request.headers.get("X-Amz-Client-Context")
        call = Call(
            function=unquote(request.match_info["name"]),
            invocation_type=request.headers.get("X-Amz-Invocation-Type", "RequestResponse"),
            event=orjson.loads(body) if body else None,
            client_context=orjson.loads(base64.b64decode(context)) if context else None,
            signed=signed,
            signed_headers=signed_headers,
        )
        self.calls.append(call)
        if not signed:
            return _respond(
                Answer(
                    403,
                    {"message": "The request signature we calculated does not match"},
                    {"X-Amzn-ErrorType": "InvalidSignatureException"},
                )
            )
        if self.script:
            answer = self.script.pop(0)
        elif call.invocation_type == "Event":
            answer = Answer(202, raw=b"")
        else:
            answer = Answer(200, self.handler(call))
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return _respond(answer)


def _respond(answer: Answer) -> web.Response:
    body = answer.raw if answer.raw is not None else orjson.dumps(answer.body)
    headers = {"x-amzn-RequestId": "fake-request-id", **answer.headers}
    if body:
        headers["Content-Type"] = "application/json"
    return web.Response(status=answer.status, body=body, headers=headers)
