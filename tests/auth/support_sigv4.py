"""Signing requests with botocore, as AWS SDK clients do, for tests of AWS_IAM.

`signed_headers` signs an HTTP POST (any moment, for expiry tests); `appsync_websocket_headers`
signs through gql's `AppSyncIAMAuthentication`, the way its AppSync WebSocket transport signs a
handshake (`POST /graphql/connect`, body `{}`) and each `start` (`POST /graphql`, body `data`).
Header names come back lower-case, as `Credentials` holds them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from gql.transport.appsync_auth import AppSyncIAMAuthentication

from app.auth.base import Credentials

SERVICE = "appsync"


class _ChosenHeadersSigV4(SigV4Auth):  # type: ignore[misc]
    """Signs exactly the named headers (botocore would add `host` and drop `user-agent`), to
    make requests other SDKs could send: an unsigned host, a signed user-agent."""

    def __init__(self, names: Collection[str], *args: Any) -> None:
        super().__init__(*args)
        self.names = {name.lower() for name in names}

    def headers_to_sign(self, request: AWSRequest) -> Any:
        chosen = super().headers_to_sign(request)
        for name in list(chosen):
            if name not in self.names:
                del chosen[name]
        for name, value in request.headers.items():
            if name.lower() in self.names and name.lower() not in chosen:
                chosen[name.lower()] = value
        return chosen


def signed_headers(
    url: str,
    body: bytes | str,
    access_key: str,
    secret: str,
    region: str,
    *,
    session_token: str | None = None,
    when: datetime | None = None,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    service: str = SERVICE,
    sign_only: Collection[str] | None = None,
) -> dict[str, str]:
    """The headers of `method url` with `body`, signed at `when` (default now): `host`,
    `content-type`, `x-amz-date`, `x-amz-security-token` (with a session token), any extra
    `headers`, and `authorization`. botocore signs all of them but `user-agent` and a few
    others; `sign_only` names exactly the headers to sign instead."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    data = body.encode() if isinstance(body, str) else body
    request = AWSRequest(
        method=method,
        url=url,
        data=data,
        headers={"content-type": "application/json", **(headers or {})},
    )
    request.context["timestamp"] = moment.strftime(SIGV4_TIMESTAMP)
    request.headers["X-Amz-Date"] = request.context["timestamp"]
    if session_token is not None:
        request.headers["X-Amz-Security-Token"] = session_token
    boto_credentials = BotoCredentials(access_key, secret, session_token)
    signer = (
        SigV4Auth(boto_credentials, service, region)
        if sign_only is None
        else _ChosenHeadersSigV4(sign_only, boto_credentials, service, region)
    )
    host = SigV4Auth(boto_credentials, service, region).headers_to_sign(request)["host"]
    signing = signer.headers_to_sign(request)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    signature = signer.signature(string_to_sign, request)
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signing)}, Signature={signature}"
    )
    result = {name.lower(): value for name, value in request.headers.items()}
    result["host"] = host
    return result


def signed_credentials(
    url: str,
    body: bytes | str,
    access_key: str,
    secret: str,
    region: str,
    *,
    source_ip: str | None = "127.0.0.1",
    **options: Any,
) -> Credentials:
    """`Credentials` for the request `signed_headers` describes, as a transport builds them."""
    data = body.encode() if isinstance(body, str) else body
    parts = urlsplit(url)
    return Credentials(
        headers=signed_headers(url, data, access_key, secret, region, **options),
        method=options.get("method", "POST"),
        path=parts.path,
        query=parts.query,
        body=data,
        source_ip=source_ip,
    )


def appsync_websocket_headers(
    host: str,
    access_key: str,
    secret: str,
    region: str,
    *,
    data: str | None = None,
    session_token: str | None = None,
) -> dict[str, str]:
    """What gql's AppSync transport sends: the handshake `header` (no `data`) or a `start`'s
    `extensions.authorization` (the start's `data` string), names lower-cased."""
    auth = AppSyncIAMAuthentication(
        host=host,
        region_name=region,
        credentials=BotoCredentials(access_key, secret, session_token),
    )
    return {str(name).lower(): str(value) for name, value in auth.get_headers(data).items()}
