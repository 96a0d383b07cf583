"""`nabd kibana import` against a loopback HTTP server that answers the way Kibana's import API does."""

from __future__ import annotations

import base64
import json
import socket
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.kibana.assets import NDJSON_PATH
from nabd.cli import main

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class KibanaLike:
    """What `POST [/s/SPACE]/api/saved_objects/_import` does, closely enough to test a client:
    requires kbn-xsrf, a multipart `file` part named *.ndjson, optional auth; answers per object."""

    def __init__(self, existing: set[tuple[str, str]] = frozenset(), authorization: str | None = None) -> None:
        self.existing = set(existing)
        self.authorization = authorization
        self.requests: list[dict] = []

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict]:
        received = {"method": method, "path": path, "headers": {k.lower(): v for k, v in headers.items()},
                    "file": None, "filename": None}
        self.requests.append(received)
        if self.authorization and headers.get("Authorization") != self.authorization:
            return 401, {"statusCode": 401, "error": "Unauthorized",
                         "message": "[security_exception]: missing authentication credentials for REST request"}
        if "kbn-xsrf" not in {key.lower() for key in headers}:
            return 400, {"statusCode": 400, "error": "Bad Request", "message": "Request must contain a kbn-xsrf header."}
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {headers.get('Content-Type', '')}\r\n\r\n".encode() + body)
        parts = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"] \
            if message.is_multipart() else []
        if not parts:
            return 415, {"statusCode": 415, "error": "Unsupported Media Type", "message": "Unsupported Media Type"}
        received["filename"] = parts[0].get_filename()
        received["file"] = parts[0].get_payload(decode=True)
        if not received["filename"].endswith(".ndjson"):
            return 400, {"statusCode": 400, "error": "Bad Request",
                         "message": f"Invalid file extension .{received['filename'].rsplit('.', 1)[-1]}"}
        overwrite = "overwrite=true" in path
        objects = [json.loads(line) for line in received["file"].decode("utf-8").splitlines() if line.strip()]
        return 200, self._import(objects, overwrite)

    def _import(self, objects: list[dict], overwrite: bool) -> dict:
        known = self.existing | {(obj["type"], obj["id"]) for obj in objects}
        errors, imported = [], []
        for obj in objects:
            meta = {"title": obj["attributes"].get("title"), "icon": "app"}
            missing = [{"type": ref["type"], "id": ref["id"]} for ref in obj.get("references", [])
                       if (ref["type"], ref["id"]) not in known]
            if missing:
                errors.append({"id": obj["id"], "type": obj["type"], "meta": meta,
                               "error": {"type": "missing_references", "references": missing}})
            elif (obj["type"], obj["id"]) in self.existing and not overwrite:
                errors.append({"id": obj["id"], "type": obj["type"], "meta": meta, "error": {"type": "conflict"}})
            else:
                imported.append({"id": obj["id"], "type": obj["type"], "meta": meta})
        self.existing |= {(o["type"], o["id"]) for o in imported}
        return {"success": not errors, "successCount": len(imported), "successResults": imported,
                "errors": errors, "warnings": []}


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def kibana():
    """A Kibana-shaped loopback server on a free port; its `KibanaLike` records what arrived."""
    servers = []

    def start(**options) -> tuple[str, KibanaLike]:
        behaviour = KibanaLike(**options)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = behaviour.answer("POST", self.path, self.headers, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", behaviour

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_import_posts_the_shipped_ndjson_as_a_multipart_file_with_the_xsrf_header(kibana, capsys):
    url, server = kibana()
    assert main(["kibana", "import", "--url", url]) == 0
    assert capsys.readouterr().out.splitlines() == [f"imported 42 of 42 saved objects into Kibana at {url}"]
    (request,) = server.requests
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"]
    assert request["filename"].endswith(".ndjson")
    assert request["file"] == NDJSON_PATH.read_bytes()
    assert "authorization" not in request["headers"]


def test_a_space_and_a_password_from_the_environment_are_used(kibana, monkeypatch, capsys):
    auth = "Basic " + base64.b64encode("analyst:كلمة-سر".encode()).decode()
    url, server = kibana(authorization=auth)
    monkeypatch.setenv("NABD_KIBANA_PASSWORD", "كلمة-سر")
    assert main(["kibana", "import", "--url", url + "/", "--space", "cx-team", "--username", "analyst"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"imported 42 of 42 saved objects into Kibana at {url}/ (space cx-team)")
    assert "كلمة-سر" not in out
    assert server.requests[0]["path"] == "/s/cx-team/api/saved_objects/_import?overwrite=true"


def test_an_api_key_is_read_from_the_named_environment_variable(kibana, monkeypatch):
    url, server = kibana(authorization="ApiKey a2V5OnNlY3JldA==")
    monkeypatch.setenv("CX_KIBANA_KEY", "a2V5OnNlY3JldA==")
    assert main(["kibana", "import", "--url", url, "--api-key-env", "CX_KIBANA_KEY"]) == 0
    assert server.requests[0]["headers"]["authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_objects_kibana_refuses_are_reported_one_per_line_with_exit_status_2(kibana, tmp_path, capsys):
    url, server = kibana(existing={("index-pattern", "nabd-mentions")})
    lines = NDJSON_PATH.read_text(encoding="utf-8").splitlines()
    orphan = {"type": "lens", "id": "orphan", "attributes": {"title": "يتيم / Orphan"},
              "references": [{"type": "index-pattern", "id": "gone", "name": "indexpattern-datasource-layer-x"}]}
    custom = tmp_path / "custom.ndjson"
    custom.write_text("\n".join([lines[0], json.dumps(orphan, ensure_ascii=False)]) + "\n", encoding="utf-8")
    assert main(["kibana", "import", "--url", url, "--file", str(custom), "--no-overwrite"]) == 2
    assert capsys.readouterr().out.splitlines() == [
        f"imported 0 of 2 saved objects into Kibana at {url}",
        "  not imported: index-pattern nabd-mentions (nabd-mentions): already exists in Kibana "
        "(import with overwrite to replace it)",
        "  not imported: lens orphan (يتيم / Orphan): missing references: index-pattern gone",
    ]
    assert server.requests[0]["path"].endswith("?overwrite=false")


def test_a_refused_request_names_the_http_status_and_kibanas_message(kibana, capsys):
    url, _ = kibana(authorization="ApiKey something")
    assert main(["kibana", "import", "--url", url]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"nabd kibana: error: Kibana at {url} refused the import: HTTP 401 Unauthorized: "
        "[security_exception]: missing authentication credentials for REST request")


def test_kibana_being_down_is_one_plain_line_naming_the_url(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert main(["kibana", "import", "--url", url, "--timeout", "5"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"nabd kibana: error: Kibana is not reachable at {url} (")
    assert "Traceback" not in err


def test_the_index_prefix_option_points_the_data_views_at_that_deployments_aliases(kibana):
    url, server = kibana()
    assert main(["kibana", "import", "--url", url, "--index-prefix", "acme"]) == 0
    sent = [json.loads(line) for line in server.requests[0]["file"].decode("utf-8").splitlines()]
    assert sorted(o["attributes"]["title"] for o in sent if o["type"] == "index-pattern") == [
        "acme-alerts", "acme-collection-health", "acme-mentions"]


def test_with_a_config_dir_the_comparisons_follow_that_deployments_brands(kibana, tmp_path):
    """Share of voice and the competitor charts are pinned to the brands.yaml of the deployment imported for."""
    import shutil

    from index.kibana.assets import REPOSITORY_CONFIG, vega_spec

    config = tmp_path / "config"
    shutil.copytree(REPOSITORY_CONFIG, config)
    brands = (config / "brands.yaml").read_text(encoding="utf-8")
    (config / "brands.yaml").write_text(brands.replace("    competitors: [najm]\n", ""), encoding="utf-8")
    url, server = kibana()
    assert main(["kibana", "import", "--url", url, "--config-dir", str(config), "--index-prefix", "acme"]) == 0
    sent = {o["id"]: o for o in map(json.loads, server.requests[0]["file"].decode("utf-8").splitlines())}
    voice = vega_spec(sent["nabd-vega-share-of-voice"])
    assert voice["data"]["url"]["index"] == "acme-mentions"
    assert voice["data"]["url"]["body"]["aggs"]["voice"]["filters"]["filters"] == {}
    shipped = {o["id"]: o for o in map(json.loads, NDJSON_PATH.read_text(encoding="utf-8").splitlines())}
    assert set(vega_spec(shipped["nabd-vega-share-of-voice"])["data"]["url"]["body"]["aggs"]["voice"]["filters"][
        "filters"]) == {"sahm|sahm", "sahm|najm"}


def test_a_missing_url_or_empty_api_key_variable_is_a_plain_error(monkeypatch, capsys):
    monkeypatch.delenv("NABD_KIBANA_URL", raising=False)
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    assert main(["kibana", "import"]) == 1
    assert "no Kibana URL: pass --url" in capsys.readouterr().err
    assert main(["kibana", "import", "--url", "http://127.0.0.1:9", "--api-key-env", "NOT_SET_ANYWHERE"]) == 1
    assert "--api-key-env names NOT_SET_ANYWHERE, but that environment variable is empty" in capsys.readouterr().err
