"""Constrained value types shared by the configuration models, each failing with a readable expectation."""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

# The error type of values that may be secrets: reported without the value.
SECRET_LIKE_ERROR = "secret_like_value"


class ConfigModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


def matching(pattern: str, expectation: str) -> AfterValidator:
    """A validator accepting texts that fully match `pattern`, else failing with `expectation`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(expectation)
        return value

    return AfterValidator(check)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("expected a non-empty text")
    return value.strip()


def _unique(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    for value in values:
        marker = value.casefold() if isinstance(value, str) else value
        if marker in seen:
            raise ValueError(f"expected each entry once, {value!r} appears twice")
        seen.add(marker)
    return values


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as Asia/Riyadh") from None
    return value


def http_url(value: str) -> str:
    """`value` when it is an http(s) URL, else ValueError with the expectation."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("expected an http(s) URL such as https://example.com/path")
    return value


def url_credentials(url: str) -> tuple[str, str | None, str | None]:
    """`url` without its `user:password@` part, and that user and password (percent-decoded; None when absent)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, has_password, password = userinfo.partition(":")
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return bare, unquote(username) or None, unquote(password) if has_password else None


def redacted_url(text: str) -> str:
    """`text` (a URL, or what looks like one) with any `user:password@` replaced by `***@`, for messages and logs."""
    return re.sub(r"(^|//)[^/?#\s]*@", r"\1***@", text.strip())


def _without_credentials(value: str) -> str:
    if "@" in urlsplit(value).netloc:
        raise PydanticCustomError(
            SECRET_LIKE_ERROR,
            "expected a URL without user:password@ "
            "(credentials come from the environment variables named by *_env keys)",
        )
    return value


def _latin_script(value: str) -> str:
    if re.search(r"[\u0600-\u06FF]", value):
        raise ValueError("expected a Latin-script (Arabizi) spelling such as 'sa7m'")
    return value


def _env_var_name(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        # A custom type so that the message never echoes the value: it may be the secret itself.
        raise PydanticCustomError(
            SECRET_LIKE_ERROR,
            "expected the NAME of an environment variable such as NABD_SLACK_WEBHOOK_URL "
            "(secrets, and URLs that carry tokens, never go in YAML)",
        )
    return value


Item = TypeVar("Item")
# A list in which no entry appears twice (texts compared case-insensitively).
UniqueList = Annotated[list[Item], AfterValidator(_unique)]
Text = Annotated[str, AfterValidator(_non_blank)]
Slug = Annotated[
    str,
    matching(r"[a-z0-9][a-z0-9_-]{0,63}", "expected a lower-case id of a-z, 0-9, '_' or '-' such as 'sahm'"),
]
LabelId = Annotated[
    str,
    matching(r"[a-z][a-z0-9_]{0,63}", "expected a lower-case id of a-z, 0-9 and '_' such as 'delivery'"),
]
CountryCode = Annotated[
    str, matching(r"[a-z]{2}", "expected a two-letter lower-case ISO 3166 country code such as 'sa'")
]
Handle = Annotated[
    str, matching(r"@[A-Za-z0-9_.]{1,64}", "expected a handle starting with @ such as '@SahmTelecom'")
]
Email = Annotated[
    str, matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "expected an e-mail address such as cx@example.com")
]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
HttpUrl = Annotated[str, AfterValidator(http_url), AfterValidator(_without_credentials)]
ArabiziSpelling = Annotated[str, AfterValidator(_non_blank), AfterValidator(_latin_script)]
EnvVarName = Annotated[str, AfterValidator(_env_var_name)]
