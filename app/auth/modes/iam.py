"""AWS_IAM: requests signed with AWS Signature Version 4 by a configured access key.

A client signs with an access key and secret the project configures (the role of IAM users
and Cognito identity pool credentials on AppSync), for the service `appsync` in the API's
`region`. The server recomputes the signature and compares; it never trusts what the header
merely says. What is checked, in order: the `Authorization` header's shape; that `host` and
`x-amz-date` are signed and every signed header is present; the credential scope (the
`x-amz-date` day, the configured region, `appsync`, `aws4_request`); that `x-amz-date` is
within `clockSkewSeconds` of now; that the access key is configured; the session token; the
body hash; the signature.

The canonical request, string to sign and signing key come from botocore's `SigV4Auth`, the
signer AWS's Python SDKs (and gql's AppSync transport) use, so both ends share one
canonicalisation. One method is replaced: botocore's `headers_to_sign` drops headers it never
signs (`user-agent`, `expect`, ...) and adds `host` from the URL when missing. A verifier must
cover exactly the headers the client listed in `SignedHeaders`, no more and no fewer, so the
request handed to botocore carries only those headers and `headers_to_sign` returns them
as they are. The body hash is computed here from the received body and passed in, so a signed
`x-amz-content-sha256` that does not match the body is refused before botocore sees it.

Each request is verified on its own: as on AWS, a captured request can be replayed until
`x-amz-date` leaves the window, so the window should stay short.

Revocation. The access keys come from `strawsync.yaml`, read once at start-up: removing one
takes effect when the server restarts, and a restart closes every WebSocket (1012, "service
restart"), so no socket outlives a key removed that way. A key may also carry an `expiration`
(an ISO 8601 time, as temporary STS or Cognito identity pool credentials have): from then on
it is refused, and every connection and subscription signed with it ends, as AppSync ends
those whose temporary credentials expire.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

from app.auth.base import NOT_AUTHORIZED, AuthFailure, Credentials, Principal
from app.definition.model import AuthType

log = logging.getLogger("strawsync.auth")

ALGORITHM: Final = "AWS4-HMAC-SHA256"
SERVICE: Final = "appsync"
TERMINATOR: Final = "aws4_request"
AMZ_DATE_FORMAT: Final = "%Y%m%dT%H%M%SZ"
DEFAULT_CLOCK_SKEW_SECONDS: Final = 300
UNSIGNED_PAYLOAD: Final = "UNSIGNED-PAYLOAD"
INVALID_SIGNATURE: Final = "InvalidSignatureException"
"""The errorType AWS gives requests whose signature, date or scope does not verify."""

MALFORMED: Final = "Authorization header is not a valid AWS Signature Version 4 header."
SIGNATURE_MISMATCH: Final = (
    "The request signature does not match; check the secret access key and how the request "
    "was signed."
)

EXPIRED_TOKEN: Final = "The security token included in the request is expired."

_SETTINGS_KEYS: Final = frozenset({"region", "credentials", "clockSkewSeconds"})
_KEY_FIELDS: Final = frozenset(
    {
        "accessKeyId",
        "secretAccessKey",
        "secretAccessKeyEnv",
        "sessionToken",
        "accountId",
        "userArn",
        "username",
        "cognitoIdentityPoolId",
        "cognitoIdentityId",
        "cognitoIdentityAuthType",
        "cognitoIdentityAuthProvider",
        "expiration",
    }
)
_OPTIONAL_TEXT: Final = (
    "sessionToken",
    "userArn",
    "username",
    "cognitoIdentityPoolId",
    "cognitoIdentityAuthProvider",
)
_COGNITO_AUTH_TYPES: Final = ("authenticated", "unauthenticated")
_REGION: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_ACCESS_KEY_ID: Final = re.compile(r"[A-Za-z0-9_.+-]{1,128}")
_ACCOUNT_ID: Final = re.compile(r"[0-9]{12}")
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCOPE_DATE: Final = re.compile(r"[0-9]{8}")
_HEADER_NAME: Final = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_SIGNATURE: Final = re.compile(r"[0-9a-f]{64}")
_SHA256_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class AccessKey:
    """One configured access key and the identity requests signed with it get."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str
    session_token: str | None = field(default=None, repr=False)
    user_arn: str | None = None
    username: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_auth_type: str | None = None
    cognito_identity_auth_provider: str | None = None
    expires_at: float | None = None
    """Epoch seconds from which the key is refused (`expiration`), or None."""


@dataclass(frozen=True, slots=True)
class SignedAuthorization:
    """The parts of a SigV4 `Authorization` header, unverified."""

    access_key_id: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Every mistake in the AWS_IAM settings; environment variables are not read here."""
    problems = [f"unknown AWS_IAM setting '{key}'" for key in config if key not in _SETTINGS_KEYS]
    region = config.get("region")
    if region is None:
        problems.append("AWS_IAM needs a 'region' (the region clients sign for)")
    elif not isinstance(region, str) or not _REGION.fullmatch(region):
        problems.append("'region' must be a region name such as 'us-east-1'")
    skew = config.get("clockSkewSeconds", DEFAULT_CLOCK_SKEW_SECONDS)
    if not isinstance(skew, int) or isinstance(skew, bool) or skew <= 0:
        problems.append("'clockSkewSeconds' must be a positive whole number of seconds")
    keys = config.get("credentials")
    if not isinstance(keys, tuple | list) or not keys:
        problems.append("AWS_IAM needs 'credentials': a list of access keys")
        return problems
    seen: set[str] = set()
    for index, entry in enumerate(keys):
        problems.extend(f"credentials[{index}]: {p}" for p in _key_problems(entry))
        key_id = entry.get("accessKeyId") if isinstance(entry, Mapping) else None
        if isinstance(key_id, str):
            if key_id in seen:
                problems.append(f"credentials[{index}]: access key '{key_id}' is listed twice")
            seen.add(key_id)
    return problems


def _key_problems(entry: Any) -> list[str]:
    if not isinstance(entry, Mapping):
        return ["an access key must be a mapping"]
    problems = [f"unknown key '{key}'" for key in entry if key not in _KEY_FIELDS]
    key_id = entry.get("accessKeyId")
    if not isinstance(key_id, str) or not _ACCESS_KEY_ID.fullmatch(key_id):
        problems.append("'accessKeyId' must be 1-128 letters, digits or '_.+-'")
    has_secret = "secretAccessKey" in entry
    has_env = "secretAccessKeyEnv" in entry
    if has_secret == has_env:
        problems.append("give exactly one of 'secretAccessKey' and 'secretAccessKeyEnv'")
    elif has_secret and not _is_text(entry["secretAccessKey"]):
        problems.append("'secretAccessKey' must be a non-empty string")
    elif has_env and not (
        isinstance(entry["secretAccessKeyEnv"], str)
        and _ENV_NAME.fullmatch(entry["secretAccessKeyEnv"])
    ):
        problems.append("'secretAccessKeyEnv' must be an environment variable name")
    account = entry.get("accountId")
    if not isinstance(account, str) or not _ACCOUNT_ID.fullmatch(account):
        problems.append("'accountId' must be a 12-digit string (quote it in YAML)")
    problems.extend(
        f"'{name}' must be a non-empty string"
        for name in (*_OPTIONAL_TEXT, "cognitoIdentityId")
        if name in entry and not _is_text(entry[name])
    )
    if "expiration" in entry and _expiration(entry["expiration"]) is None:
        problems.append(
            "'expiration' must be an ISO 8601 time with its zone, e.g. 2030-01-31T12:00:00Z"
        )
    if "cognitoIdentityAuthType" in entry:
        if entry["cognitoIdentityAuthType"] not in _COGNITO_AUTH_TYPES:
            problems.append(
                "'cognitoIdentityAuthType' must be 'authenticated' or 'unauthenticated'"
            )
        elif "cognitoIdentityId" not in entry:
            problems.append("'cognitoIdentityAuthType' needs a 'cognitoIdentityId'")
    return problems


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _expiration(value: Any) -> float | None:
    """`expiration` as epoch seconds: an ISO 8601 string with a zone, or the timestamp YAML
    reads from an unquoted one (taken as UTC when it has no zone); None when it is neither."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def create(config: Mapping[str, Any], project_dir: Path) -> IamMode:
    """The configured mode; reads secrets named by `secretAccessKeyEnv` from the environment."""
    problems = config_problems(config)
    if problems:
        raise ValueError("AWS_IAM: " + "; ".join(problems))
    keys = tuple(_access_key(entry) for entry in config["credentials"])
    return IamMode(
        region=config["region"],
        keys=keys,
        clock_skew_seconds=config.get("clockSkewSeconds", DEFAULT_CLOCK_SKEW_SECONDS),
    )


def _access_key(entry: Mapping[str, Any]) -> AccessKey:
    secret = entry.get("secretAccessKey")
    if secret is None:
        name = entry["secretAccessKeyEnv"]
        secret = os.environ.get(name)
        if not secret:
            raise ValueError(
                f"AWS_IAM: environment variable {name} (the secret access key of "
                f"{entry['accessKeyId']}) is not set"
            )
    identity_id = entry.get("cognitoIdentityId")
    return AccessKey(
        access_key_id=entry["accessKeyId"],
        secret_access_key=secret,
        account_id=entry["accountId"],
        session_token=entry.get("sessionToken"),
        user_arn=entry.get("userArn"),
        username=entry.get("username"),
        cognito_identity_pool_id=entry.get("cognitoIdentityPoolId"),
        cognito_identity_id=identity_id,
        cognito_identity_auth_type=entry.get(
            "cognitoIdentityAuthType", "authenticated" if identity_id else None
        ),
        cognito_identity_auth_provider=entry.get("cognitoIdentityAuthProvider"),
        expires_at=_expiration(entry["expiration"]) if "expiration" in entry else None,
    )


def parse_authorization(value: str) -> SignedAuthorization:
    """Split `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; raises AuthFailure
    when a part is missing, repeated or out of shape."""
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        raise AuthFailure(MALFORMED)
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, eq, part = item.strip().partition("=")
        if not eq or name in parts:
            raise AuthFailure(MALFORMED)
        parts[name] = part
    if parts.keys() != {"Credential", "SignedHeaders", "Signature"}:
        raise AuthFailure(MALFORMED)
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or not _ACCESS_KEY_ID.fullmatch(scope[0]):
        raise AuthFailure(MALFORMED)
    if not _SCOPE_DATE.fullmatch(scope[1]) or not _SIGNATURE.fullmatch(parts["Signature"]):
        raise AuthFailure(MALFORMED)
    names = tuple(parts["SignedHeaders"].split(";"))
    if len(set(names)) != len(names) or not all(_HEADER_NAME.fullmatch(n) for n in names):
        raise AuthFailure(MALFORMED)
    return SignedAuthorization(
        access_key_id=scope[0],
        scope_date=scope[1],
        region=scope[2],
        service=scope[3],
        terminator=scope[4],
        signed_headers=names,
        signature=parts["Signature"],
    )


class _ExactHeadersSigV4(SigV4Auth):  # type: ignore[misc]
    """botocore's SigV4 over exactly the request's headers and a precomputed body hash (see
    the module docstring for why)."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return request.headers

    def payload(self, request: AWSRequest) -> str:
        digest: str = request.context["payload_sha256"]
        return digest


class IamMode:
    """AWS_IAM: verifies SigV4 signatures made with the configured access keys."""

    auth_type = AuthType.AWS_IAM

    def __init__(
        self,
        region: str,
        keys: tuple[AccessKey, ...],
        clock_skew_seconds: int = DEFAULT_CLOCK_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.region = region
        self.clock_skew_seconds = clock_skew_seconds
        self.clock = clock
        self._keys = {key.access_key_id: key for key in keys}
        self._signers = {
            key.access_key_id: _ExactHeadersSigV4(
                ReadOnlyCredentials(key.access_key_id, key.secret_access_key, key.session_token),
                SERVICE,
                region,
            )
            for key in keys
        }

    def claims(self, credentials: Credentials) -> bool:
        authorization = credentials.authorization
        return authorization is not None and authorization.startswith(ALGORITHM)

    async def authenticate(self, credentials: Credentials) -> Principal:
        key = self.verify(credentials)
        return Principal(
            auth_type=AuthType.AWS_IAM,
            identity=identity(key, credentials),
            expires_at=key.expires_at,
        )

    def verify(self, credentials: Credentials) -> AccessKey:
        """The access key that signed `credentials`; raises AuthFailure. CPU only, microseconds,
        so it runs on the event loop."""
        header = credentials.authorization
        if header is None:
            raise AuthFailure(NOT_AUTHORIZED)
        auth = parse_authorization(header.strip())
        headers = credentials.headers
        amz_date = headers.get("x-amz-date", "")
        if "host" not in auth.signed_headers or "x-amz-date" not in auth.signed_headers:
            self._refuse(credentials, auth, "host or x-amz-date unsigned")
            raise AuthFailure("The host and x-amz-date headers must be signed.")
        missing = [name for name in auth.signed_headers if name not in headers]
        if missing:
            self._refuse(credentials, auth, f"signed headers absent: {', '.join(missing)}")
            raise AuthFailure(f"Signed header '{missing[0]}' is not in the request.")
        signed_at = _parse_amz_date(amz_date)
        expected_scope = (amz_date[:8], self.region, SERVICE, TERMINATOR)
        if (auth.scope_date, auth.region, auth.service, auth.terminator) != expected_scope:
            self._refuse(credentials, auth, "wrong credential scope")
            raise AuthFailure(
                f"Credential scope must be {'/'.join(expected_scope)}.", INVALID_SIGNATURE
            )
        skew = abs(self.clock() - signed_at)
        if skew > self.clock_skew_seconds:
            self._refuse(credentials, auth, f"x-amz-date {amz_date} is {skew:.0f} s from now")
            raise AuthFailure(
                f"Signature expired or not yet valid: x-amz-date must be within "
                f"{self.clock_skew_seconds} seconds of the server's time.",
                INVALID_SIGNATURE,
            )
        key = self._keys.get(auth.access_key_id)
        if key is None:
            self._refuse(credentials, auth, "unknown access key")
            raise AuthFailure(NOT_AUTHORIZED)
        if key.expires_at is not None and self.clock() >= key.expires_at:
            self._refuse(credentials, auth, "access key past its expiration")
            raise AuthFailure(EXPIRED_TOKEN)
        self._check_session_token(credentials, auth, key)
        body_sha256 = self._body_sha256(credentials, auth)
        expected = self._signature(credentials, auth, amz_date, body_sha256)
        if not hmac.compare_digest(expected, auth.signature):
            self._refuse(credentials, auth, "signature mismatch")
            raise AuthFailure(SIGNATURE_MISMATCH, INVALID_SIGNATURE)
        return key

    def _check_session_token(
        self, credentials: Credentials, auth: SignedAuthorization, key: AccessKey
    ) -> None:
        sent = credentials.headers.get("x-amz-security-token")
        if sent is None and key.session_token is None:
            return
        if (
            sent is not None
            and key.session_token is not None
            and hmac.compare_digest(sent.encode(), key.session_token.encode())
        ):
            return
        self._refuse(credentials, auth, "session token missing, unexpected or wrong")
        raise AuthFailure("The security token included in the request is not valid.")

    def _body_sha256(self, credentials: Credentials, auth: SignedAuthorization) -> str:
        digest = hashlib.sha256(credentials.body).hexdigest()
        if "x-amz-content-sha256" not in auth.signed_headers:
            return digest
        claimed = credentials.headers["x-amz-content-sha256"]
        if claimed == UNSIGNED_PAYLOAD:
            self._refuse(credentials, auth, "unsigned payload")
            raise AuthFailure("The request body must be signed.", INVALID_SIGNATURE)
        if not _SHA256_HEX.fullmatch(claimed) or not hmac.compare_digest(claimed.lower(), digest):
            self._refuse(credentials, auth, "x-amz-content-sha256 does not match the body")
            raise AuthFailure(
                "x-amz-content-sha256 does not match the request body.", INVALID_SIGNATURE
            )
        return claimed

    def _signature(
        self, credentials: Credentials, auth: SignedAuthorization, amz_date: str, body_sha256: str
    ) -> str:
        """The signature the key's secret gives this request, computed by botocore over
        exactly the signed headers."""
        signer = self._signers[auth.access_key_id]
        url = f"https://{SERVICE}.invalid{credentials.path or '/'}"
        if credentials.query:
            url = f"{url}?{credentials.query}"
        request = AWSRequest(
            method=credentials.method,
            url=url,
            headers={name: credentials.headers[name] for name in auth.signed_headers},
        )
        request.context["timestamp"] = amz_date
        request.context["payload_sha256"] = body_sha256
        try:
            canonical = signer.canonical_request(request)
            signature: str = signer.signature(signer.string_to_sign(request, canonical), request)
        except ValueError as error:  # a path or query urllib cannot split
            self._refuse(credentials, auth, f"cannot canonicalise: {error}")
            raise AuthFailure(MALFORMED) from None
        return signature

    def _refuse(self, credentials: Credentials, auth: SignedAuthorization, reason: str) -> None:
        log.info(
            "AWS_IAM refused request %s (access key %s): %s",
            credentials.request_id or "-",
            auth.access_key_id,
            reason,
        )

    async def start(self) -> None:
        """Nothing to acquire: verification is local."""

    async def close(self) -> None:
        """Nothing to release."""


def _parse_amz_date(value: str) -> float:
    try:
        moment = datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthFailure("x-amz-date must look like 20240131T235959Z.") from None
    return moment.timestamp()


def identity(key: AccessKey, credentials: Credentials) -> dict[str, Any]:
    """`$ctx.identity` for a request signed with `key`, in AppSync's AWS_IAM shape."""
    return {
        "accountId": key.account_id,
        "cognitoIdentityPoolId": key.cognito_identity_pool_id,
        "cognitoIdentityId": key.cognito_identity_id,
        "sourceIp": credentials.source_ips(),
        "username": key.username,
        "userArn": key.user_arn,
        "cognitoIdentityAuthType": key.cognito_identity_auth_type,
        "cognitoIdentityAuthProvider": key.cognito_identity_auth_provider,
    }
