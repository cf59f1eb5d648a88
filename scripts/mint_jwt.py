"""Mint a JWT for a local Cognito user pool or OpenID Connect issuer, to call Strawsync with.

The first run creates an RSA signing key and its public key set in the key folder
(`.strawsync/jwt/` under the current directory unless --keys says otherwise); later runs reuse
them. Point the provider's `jwksFile` at the key set, relative to the project:

    authentication:
      default:
        type: AMAZON_COGNITO_USER_POOLS
        userPoolId: us-east-1_LocalPool
        awsRegion: us-east-1
        jwksFile: .strawsync/jwt/jwks.json

    TOKEN=$(python scripts/mint_jwt.py cognito --user-pool-id us-east-1_LocalPool \\
        --username alice --group admins)
    curl -H "Authorization: $TOKEN" -H 'content-type: application/json' \\
        -d '{"query": "{ listEvents { items { id } } }"}' http://127.0.0.1:8080/graphql

    python scripts/mint_jwt.py oidc --issuer https://idp.local --client-id web --sub u-1

The token is printed on standard output; where the key set is, and the token's claims, on
standard error. `--rotate` makes a new signing key; the key set keeps the previous public key
too, so tokens minted before still verify until the next rotation. The private key stays in
the key folder (mode 0600); the folder is for development only: never use it for real users.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

PRIVATE_KEY = "signing-key.pem"
KEY_SET = "jwks.json"
ALGORITHM = "RS256"


def thumbprint(public_jwk: dict[str, Any]) -> str:
    """The RFC 7638 thumbprint of an RSA public JWK, used as its `kid`."""
    canonical = json.dumps(
        {"e": public_jwk["e"], "kty": "RSA", "n": public_jwk["n"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": thumbprint(jwk), "alg": ALGORITHM, "use": "sig"}


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` in one step, readable per `mode`."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def signing_key(folder: Path, rotate: bool) -> tuple[rsa.RSAPrivateKey, str]:
    """The folder's signing key and kid, made (and the key set written) when missing or when
    rotating."""
    key_path, set_path = folder / PRIVATE_KEY, folder / KEY_SET
    if key_path.exists() and not rotate:
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise SystemExit(f"{key_path} is not an RSA private key")
        return loaded, public_jwk(loaded)["kid"]
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = [public_jwk(key)]
    if key_path.exists():  # rotating: keep the previous public key for tokens minted before
        previous = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(previous, rsa.RSAPrivateKey):
            keys.append(public_jwk(previous))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(key_path, pem, 0o600)
    _write(set_path, json.dumps({"keys": keys}, indent=2).encode() + b"\n", 0o644)
    return key, keys[0]["kid"]


def claim_value(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` from --claim; VALUE is read as JSON when it is JSON, else as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--claim wants NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def cognito_claims(args: argparse.Namespace, now: int) -> dict[str, Any]:
    region = args.region or args.user_pool_id.partition("_")[0]
    issuer = args.issuer or f"https://cognito-idp.{region}.amazonaws.com/{args.user_pool_id}"
    claims: dict[str, Any] = {"sub": args.sub, "iss": issuer, "token_use": args.token_use}
    if args.token_use == "id":
        claims.update({"aud": args.client_id, "cognito:username": args.username})
        if args.email:
            claims.update({"email": args.email, "email_verified": True})
    else:
        claims.update({"client_id": args.client_id, "username": args.username, "scope": args.scope})
    if args.group:
        claims["cognito:groups"] = args.group
    claims["auth_time"] = now
    return claims


def oidc_claims(args: argparse.Namespace, now: int) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": args.sub, "iss": args.issuer, "aud": args.client_id}
    if args.azp:
        claims["azp"] = args.azp
    claims["auth_time"] = now
    return claims


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--keys",
        type=Path,
        default=Path(".strawsync/jwt"),
        help="folder of the signing key and jwks.json (default: .strawsync/jwt)",
    )
    common.add_argument("--rotate", action="store_true", help="make a new signing key first")
    common.add_argument(
        "--expires-in",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="lifetime from now; negative mints an expired token (default: 3600)",
    )
    common.add_argument(
        "--claim",
        type=claim_value,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add or replace a claim; VALUE is JSON if it parses, else a string (repeatable)",
    )
    modes = parser.add_subparsers(dest="mode", required=True)

    cognito = modes.add_parser(
        "cognito", parents=[common], help="a Cognito user pool ID or access token"
    )
    cognito.add_argument("--user-pool-id", required=True, help="e.g. us-east-1_LocalPool")
    cognito.add_argument("--region", help="default: the user pool id's prefix")
    cognito.add_argument(
        "--issuer", help="iss, for a provider configured with 'issuer' (default: Cognito's URL)"
    )
    cognito.add_argument("--client-id", default="local-client", help="app client id (aud)")
    cognito.add_argument("--username", default="alice", help="cognito:username / username")
    cognito.add_argument("--sub", default="00000000-0000-4000-8000-000000000001")
    cognito.add_argument("--group", action="append", default=[], help="cognito:groups entry")
    cognito.add_argument("--token-use", choices=("id", "access"), default="id")
    cognito.add_argument("--email", help="email claim of an ID token")
    cognito.add_argument("--scope", default="openid", help="scope of an access token")

    oidc = modes.add_parser("oidc", parents=[common], help="an OpenID Connect ID token")
    oidc.add_argument("--issuer", required=True, help="iss; the provider's 'issuer' setting")
    oidc.add_argument("--client-id", default="local-client", help="aud")
    oidc.add_argument("--azp", help="authorized party")
    oidc.add_argument("--sub", default="user-1")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    key, kid = signing_key(args.keys, args.rotate)
    now = int(time.time())
    claims = cognito_claims(args, now) if args.mode == "cognito" else oidc_claims(args, now)
    claims.update({"iat": now, "exp": now + args.expires_in})
    claims.update(dict(args.claim))
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})
    print(f"key set: {args.keys / KEY_SET} (kid {kid})", file=sys.stderr)
    print(f"claims: {json.dumps(claims)}", file=sys.stderr)
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
