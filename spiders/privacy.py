"""Pseudonymous author ids: a keyed HMAC-SHA256 of the author's handle, with the key from the environment."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os

logger = logging.getLogger(__name__)

# The documented, public key used only for the bundled demo source when no key is configured.
# Pseudonyms made with it protect nothing: anyone can recompute them. Never use it for real sources.
DEMO_PSEUDONYM_KEY = "nabd-demo-pseudonym-key-not-secret"
DEMO_SOURCE = "demo"


class MissingPseudonymKey(RuntimeError):
    """No pseudonymization key is configured for a source that needs one."""


def pseudonym_key(env_var: str, source: str) -> bytes:
    """The HMAC key from `env_var`, read now; the demo key for the demo source when it is unset."""
    value = os.environ.get(env_var, "")
    if value:
        return value.encode("utf-8")
    if source == DEMO_SOURCE:
        logger.warning(
            "%s is not set: using the public demo pseudonym key for source %r (author ids are not private)",
            env_var,
            source,
        )
        return DEMO_PSEUDONYM_KEY.encode("utf-8")
    raise MissingPseudonymKey(
        f"environment variable {env_var} is not set: it must hold the secret key that "
        f"pseudonymizes authors of source {source!r}"
    )


def author_pseudonym(key: bytes, source: str, handle: str) -> str:
    """The author's pseudonymous id: HMAC-SHA256 over source and case-folded handle, 32 hex chars."""
    canonical = handle.strip().lstrip("@").casefold()
    message = f"{source}\x1f{canonical}".encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
