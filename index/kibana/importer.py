"""A thin client for Kibana's saved-objects import API: post the NDJSON, report what Kibana says."""

from __future__ import annotations

import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

IMPORT_PATH = "/api/saved_objects/_import"
FILENAME = "nabd-saved-objects.ndjson"


class KibanaImportError(RuntimeError):
    """Kibana could not be reached or refused the import as a whole; the message says what it answered."""


@dataclass(frozen=True)
class KibanaTarget:
    """Where to import: the Kibana URL, a space, and credentials (read from the environment by the caller)."""

    url: str
    space: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_certs: str | None = None
    timeout_s: float = 30.0

    def import_url(self, overwrite: bool) -> str:
        base = self.url.rstrip("/")
        space = f"/s/{urllib.parse.quote(self.space, safe='')}" if self.space and self.space != "default" else ""
        return f"{base}{space}{IMPORT_PATH}?overwrite={'true' if overwrite else 'false'}"


@dataclass
class ImportResult:
    """Kibana's answer: how many objects it imported and the objects it did not, with why."""

    success: bool
    success_count: int
    errors: list[dict] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [describe_object_error(error) for error in self.errors]


def describe_object_error(error: dict) -> str:
    """One line per object Kibana refused: which object and what was wrong, in Kibana's own terms."""
    title = error.get("meta", {}).get("title") or error.get("title")
    what = f"{error.get('type', '?')} {error.get('id', '?')}" + (f" ({title})" if title else "")
    detail = error.get("error", {})
    kind = detail.get("type", "unknown")
    if kind == "missing_references":
        missing = ", ".join(f"{ref.get('type')} {ref.get('id')}" for ref in detail.get("references", []))
        return f"{what}: missing references: {missing}"
    if kind == "conflict":
        return f"{what}: already exists in Kibana (import with overwrite to replace it)"
    if kind == "ambiguous_conflict":
        return f"{what}: matches several existing objects"
    if kind == "unsupported_type":
        return f"{what}: this Kibana does not support the object type"
    message = detail.get("message") or detail.get("error") or json.dumps(detail, ensure_ascii=False)
    status = f"HTTP {detail['statusCode']}: " if "statusCode" in detail else ""
    return f"{what}: {kind}: {status}{message}"


def multipart_body(ndjson: bytes, boundary: str) -> bytes:
    """A multipart/form-data body with one `file` part, as a browser or `curl --form file=@...` sends it."""
    head = (f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{FILENAME}"\r\n'
            "Content-Type: application/ndjson\r\n\r\n").encode()
    return head + ndjson + f"\r\n--{boundary}--\r\n".encode()


def _headers(target: KibanaTarget, boundary: str) -> dict[str, str]:
    headers = {"kbn-xsrf": "nabd", "Content-Type": f"multipart/form-data; boundary={boundary}",
               "Accept": "application/json"}
    if target.api_key:
        headers["Authorization"] = f"ApiKey {target.api_key}"
    elif target.username:
        import base64

        token = base64.b64encode(f"{target.username}:{target.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


def _ssl_context(target: KibanaTarget) -> ssl.SSLContext | None:
    if not target.url.startswith("https"):
        return None
    return ssl.create_default_context(cafile=target.ca_certs) if target.ca_certs else ssl.create_default_context()


def import_saved_objects(target: KibanaTarget, ndjson: bytes, overwrite: bool = True) -> ImportResult:
    """Posts the NDJSON to Kibana's import API; raises KibanaImportError when the request as a whole fails."""
    boundary = f"nabd-{uuid.uuid4().hex}"
    url = target.import_url(overwrite)
    request = urllib.request.Request(url, data=multipart_body(ndjson, boundary), method="POST",
                                     headers=_headers(target, boundary))
    log.info("importing %d bytes of saved objects into %s", len(ndjson), url)
    try:
        with urllib.request.urlopen(request, timeout=target.timeout_s, context=_ssl_context(target)) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise KibanaImportError(f"Kibana at {target.url} refused the import: {_http_error(error)}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise KibanaImportError(f"Kibana is not reachable at {target.url} ({reason}); "
                                "check --url and that Kibana is running") from error
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise KibanaImportError(f"Kibana at {target.url} answered with something that is not JSON: "
                                f"{body[:200]!r}") from error
    return ImportResult(success=bool(answer.get("success")), success_count=int(answer.get("successCount", 0)),
                        errors=list(answer.get("errors", [])))


def _http_error(error: urllib.error.HTTPError) -> str:
    """`HTTP 401 Unauthorized: <Kibana's message>` from Kibana's JSON error body (or its raw text)."""
    raw = error.read()
    try:
        body = json.loads(raw)
        message = body.get("message") or raw.decode("utf-8", "replace")
        reason = body.get("error") or error.reason
    except ValueError:
        message, reason = raw.decode("utf-8", "replace").strip()[:300], error.reason
    return f"HTTP {error.code} {reason}: {message}"


def with_index_prefix(ndjson: str, prefix: str) -> str:
    """The same objects with the data views' index patterns, and the index the Vega chart queries, for
    another index prefix than `nabd`."""
    from index.kibana.assets import DEFAULT_PREFIX, vega_spec, with_vega_index

    if prefix == DEFAULT_PREFIX:
        return ndjson
    lines = []
    for line in ndjson.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj.get("type") == "index-pattern":
            title = obj["attributes"]["title"]
            if title.startswith(f"{DEFAULT_PREFIX}-"):
                obj["attributes"]["title"] = f"{prefix}-{title[len(DEFAULT_PREFIX) + 1:]}"
        elif obj.get("type") == "visualization" and '"type":"vega"' in obj["attributes"]["visState"]:
            index = vega_spec(obj)["data"]["url"]["index"]
            if index.startswith(f"{DEFAULT_PREFIX}-"):
                obj = with_vega_index(obj, f"{prefix}-{index[len(DEFAULT_PREFIX) + 1:]}")
        lines.append(json.dumps(obj, ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in lines)
