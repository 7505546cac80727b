"""A signing key of our own for trying the API locally, where there is no Clerk instance.

Local settings make the key pair under `.data/` when no Clerk key source is configured and verify
with its public key; `manage.py dev_token` signs session tokens with its private key. The tokens
name DEV_KEY_ID, and only settings that set CLERK_DEV_KEY_FILE accept that key id (production
never does), so such a token is refused there even if the key itself leaked into its settings.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_KEY_ID = "companion-dev"
DEV_SESSION_CATEGORY = "cl_B7d4PD111AAA"  # Clerk's session-token category


def dev_key_ensure(*, path: Path) -> rsa.RSAPrivateKey:
    """The key pair at `path`, made (readable by its owner only) when there is none yet.

    Processes starting together may race to make it: each writes its own to a file of its own
    and links it into place, which only the first one does; all then read that one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_bytes(pem)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def dev_key_public_pem(*, path: Path) -> str:
    public = dev_key_ensure(path=path).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


def dev_token_mint(
    *, path: Path, clerk_user_id: str, minutes: int, issuer: str = "", party: str = ""
) -> str:
    """A session token for `clerk_user_id`, shaped as Clerk's, valid for `minutes`."""
    now = int(time.time())
    claims = {
        "sub": clerk_user_id,
        "sid": f"sess_dev{secrets.token_hex(8)}",
        "iat": now,
        "nbf": now,
        "exp": now + minutes * 60,
        "v": 2,
    }
    claims |= {"iss": issuer} if issuer else {}
    claims |= {"azp": party} if party else {}
    headers = {"kid": DEV_KEY_ID, "cat": DEV_SESSION_CATEGORY}
    return jwt.encode(claims, dev_key_ensure(path=path), algorithm="RS256", headers=headers)
