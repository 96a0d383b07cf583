"""A real local Elasticsearch node for nabd: fetch, unpack, install our analysis plugin, start, stop."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pwd
import shutil
import signal
import subprocess
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from index import java

log = logging.getLogger(__name__)

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
PLUGIN_NAME = "nabd-analysis"
PLUGIN_SOURCE = Path(__file__).resolve().parent / "plugin"
SERVICE_USER = "nabd-es"
CLUSTER_NAME = "nabd-local"
MIN_JAVA = 21


class ServerError(RuntimeError):
    """The local Elasticsearch node could not be prepared, started or stopped."""


@dataclass(frozen=True)
class LocalServer:
    """Where one local node lives: the shared distribution and this port's own instance."""

    version: str
    port: int
    heap: str
    cache_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def home(self) -> Path:
        return self.cache_dir / f"elasticsearch-{self.version}"

    @property
    def instance_dir(self) -> Path:
        return self.cache_dir / "instances" / f"{self.version}-{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.instance_dir / "elasticsearch.pid"

    @property
    def log_dir(self) -> Path:
        return self.instance_dir / "logs"


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str
    version: str | None = None
    cluster_status: str | None = None
    plugins: tuple[str, ...] = ()
    pid: int | None = None


def start(server: LocalServer, timeout_s: float = 240.0) -> ServerStatus:
    """Starts the node unless it already runs; returns once the cluster is at least yellow."""
    current = status(server)
    if current.running:
        log.info("Elasticsearch %s already running at %s", current.version, server.url)
        return current
    java_home = java.find_java_home(MIN_JAVA, need_compiler=False)
    ensure_distribution(server)
    ensure_plugin(server)
    write_instance_config(server)
    launcher = _launch(server, java_home)
    return wait_until_healthy(server, timeout_s, launcher)


def stop(server: LocalServer, timeout_s: float = 60.0) -> bool:
    """Stops the node on this port (it tells its own pid); False when none was running."""
    pid = _node_pid(server) or _read_pid(server)
    if pid is None:
        return False
    log.info("Stopping Elasticsearch (pid %s)", pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        server.pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            server.pid_file.unlink(missing_ok=True)
            return True
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    server.pid_file.unlink(missing_ok=True)
    return True


def status(server: LocalServer) -> ServerStatus:
    """Asks the node on this port how it is; never raises for a node that is down."""
    pid = _read_pid(server)
    try:
        nodes = _get_json(f"{server.url}/_nodes/_local?filter_path=nodes.*.version", timeout_s=3)
        health = _get_json(f"{server.url}/_cluster/health", timeout_s=3)
        plugins = _get_json(f"{server.url}/_cat/plugins?format=json", timeout_s=3)
    except (OSError, ValueError):
        return ServerStatus(running=False, url=server.url, pid=pid)
    return ServerStatus(
        running=True,
        url=server.url,
        version=next(iter(nodes.get("nodes", {}).values()), {}).get("version"),
        cluster_status=health.get("status"),
        plugins=tuple(sorted({p.get("component", "") for p in plugins})),
        pid=pid,
    )


def wait_until_healthy(server: LocalServer, timeout_s: float,
                       launcher: subprocess.Popen | None = None) -> ServerStatus:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        current = status(server)
        if current.running and current.cluster_status in ("yellow", "green"):
            log.info("Elasticsearch %s is %s at %s", current.version, current.cluster_status, server.url)
            return current
        if launcher is not None and launcher.poll() is not None:
            break
        time.sleep(1.0)
    raise ServerError(
        f"Elasticsearch did not become healthy at {server.url} within {timeout_s:.0f}s; "
        f"last lines of its logs in {server.log_dir}:\n{_log_tail(server)}"
    )


# --- preparing the distribution ------------------------------------------------------------


def ensure_distribution(server: LocalServer) -> Path:
    """Fetches the server zip from Maven Central (once) and unpacks it into the cache."""
    if (server.home / "bin" / "elasticsearch").exists():
        return server.home
    downloads = server.cache_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = downloads / f"elasticsearch-{server.version}.zip"
    if not archive.exists():
        artifact = ARTIFACT.format(version=server.version)
        log.info("Fetching %s with Maven", artifact)
        _run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={downloads}"],
             what=f"fetching {artifact} from Maven Central")
    log.info("Unpacking %s", archive.name)
    staging = server.cache_dir / f".unpacking-{server.version}"
    shutil.rmtree(staging, ignore_errors=True)
    _unzip_with_modes(archive, staging)
    shutil.rmtree(server.home, ignore_errors=True)
    (staging / f"elasticsearch-{server.version}").rename(server.home)
    shutil.rmtree(staging, ignore_errors=True)
    return server.home


def _unzip_with_modes(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            extracted = Path(zipped.extract(member, target))
            mode = (member.external_attr >> 16) & 0o777
            if mode:
                extracted.chmod(mode)


def plugin_fingerprint(version: str) -> str:
    """Changes whenever the plugin's sources or the server version change."""
    digest = hashlib.sha256(version.encode())
    for path in sorted(PLUGIN_SOURCE.rglob("*")):
        if path.is_file() and "target" not in path.relative_to(PLUGIN_SOURCE).parts:
            digest.update(str(path.relative_to(PLUGIN_SOURCE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_plugin(server: LocalServer) -> None:
    """Builds nabd's analysis plugin for this server version and installs it if it changed."""
    installed = server.home / "plugins" / PLUGIN_NAME
    stamp = server.home / f".{PLUGIN_NAME}.fingerprint"
    fingerprint = plugin_fingerprint(server.version)
    if installed.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    plugin_zip = build_plugin(server.version, server.cache_dir / "plugin-build")
    java_home = java.find_java_home(MIN_JAVA, need_compiler=False)
    env = dict(os.environ, ES_JAVA_HOME=str(java_home))
    if installed.exists():
        _run([str(server.home / "bin" / "elasticsearch-plugin"), "remove", PLUGIN_NAME], env=env,
             what=f"removing the old {PLUGIN_NAME} plugin")
    _run([str(server.home / "bin" / "elasticsearch-plugin"), "install", "--batch", plugin_zip.as_uri()],
         env=env, what=f"installing {plugin_zip}")
    stamp.write_text(fingerprint)


def build_plugin(version: str, build_dir: Path) -> Path:
    """Compiles the plugin with Maven against `version` and packs the installable zip."""
    jdk = java.find_java_home(MIN_JAVA, need_compiler=True)
    build_dir.mkdir(parents=True, exist_ok=True)
    log.info("Building the %s plugin for Elasticsearch %s", PLUGIN_NAME, version)
    _run(["mvn", "-q", "-B", "-f", str(PLUGIN_SOURCE / "pom.xml"), "package",
          f"-Delasticsearch.version={version}"],
         env=dict(os.environ, JAVA_HOME=str(jdk)), what=f"building the {PLUGIN_NAME} plugin")
    jar = PLUGIN_SOURCE / "target" / f"{PLUGIN_NAME}-1.0.0.jar"
    if not jar.exists():
        raise ServerError(f"Maven finished but {jar} is missing")
    plugin_zip = build_dir / f"{PLUGIN_NAME}-{version}.zip"
    with zipfile.ZipFile(plugin_zip, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(jar, jar.name)
        zipped.writestr("plugin-descriptor.properties", _descriptor(version))
    return plugin_zip


def _descriptor(version: str) -> str:
    return "\n".join([
        "description=Arabic social-media analysis for nabd (normalization, stemming, elongation, brand keywords)",
        "version=1.0.0",
        f"name={PLUGIN_NAME}",
        "classname=org.nabd.analysis.NabdAnalysisPlugin",
        f"java.version={MIN_JAVA}",
        f"elasticsearch.version={version}",
        "",
    ])


# --- this port's instance --------------------------------------------------------------------


def write_instance_config(server: LocalServer) -> Path:
    """Writes the node's own config directory: loopback, single node, modest heap, no security."""
    config_dir = server.instance_dir / "config"
    if not config_dir.exists():
        shutil.copytree(server.home / "config", config_dir)
    (server.instance_dir / "data").mkdir(parents=True, exist_ok=True)
    server.log_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        "cluster.name": CLUSTER_NAME,
        "node.name": f"nabd-{server.port}",
        "path.data": str(server.instance_dir / "data"),
        "path.logs": str(server.log_dir),
        "network.host": "127.0.0.1",
        "http.port": server.port,
        "transport.port": server.port + 100,
        "discovery.type": "single-node",
        "xpack.security.enabled": False,
        "action.destructive_requires_name": True,
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    if not (server.home / "modules" / "x-pack-security").exists():
        del settings["xpack.security.enabled"]
    lines = [f"{key}: {json.dumps(value)}" for key, value in settings.items()]
    (config_dir / "elasticsearch.yml").write_text("\n".join(lines) + "\n")
    (config_dir / "jvm.options.d").mkdir(exist_ok=True)
    (config_dir / "jvm.options.d" / "nabd-heap.options").write_text(f"-Xms{server.heap}\n-Xmx{server.heap}\n")
    return config_dir


def _launch(server: LocalServer, java_home: Path) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_JAVA_HOME": str(java_home),
        "ES_PATH_CONF": str(server.instance_dir / "config"),
        "ES_TMPDIR": str(server.instance_dir / "tmp"),
        "LANG": "C.UTF-8",
    }
    (server.instance_dir / "tmp").mkdir(parents=True, exist_ok=True)
    user = _service_user(server)
    log.info("Starting Elasticsearch %s on %s%s", server.version, server.url,
             f" as user {user.pw_name}" if user else "")
    command = [str(server.home / "bin" / "elasticsearch"), "-p", str(server.pid_file)]
    kwargs = {"user": user.pw_uid, "group": user.pw_gid} if user else {}
    server.pid_file.unlink(missing_ok=True)
    # Detached in its own session, output to a file: the node outlives this process.
    startup_log = server.log_dir / "startup.log"
    with startup_log.open("w") as output:
        return subprocess.Popen(command, env=env, cwd=server.instance_dir, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)


def _service_user(server: LocalServer) -> pwd.struct_passwd | None:
    """As root, Elasticsearch runs as an unprivileged user that owns only its instance."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
             what=f"creating the {SERVICE_USER} user")
        user = pwd.getpwnam(SERVICE_USER)
    for path in [server.instance_dir, *server.instance_dir.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    _make_traversable(server.instance_dir)
    _make_traversable(server.home)
    return user


def _make_traversable(path: Path) -> None:
    """Lets the service user walk down to `path` (execute bit only, nothing readable)."""
    for ancestor in reversed(path.parents):
        mode = ancestor.stat().st_mode
        if not mode & 0o001:
            log.info("Allowing other users to traverse %s (for the Elasticsearch user)", ancestor)
            ancestor.chmod(mode | 0o001)


# --- small helpers --------------------------------------------------------------------------------


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as error:
        raise ServerError(f"{what}: {command[0]} is not installed ({error})") from error
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise ServerError(f"{what} failed (exit {result.returncode}):\n{output}")


_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get_json(url: str, timeout_s: float) -> dict | list:
    with _LOOPBACK.open(url, timeout=timeout_s) as response:
        return json.loads(response.read().decode("utf-8"))


def _node_pid(server: LocalServer) -> int | None:
    try:
        nodes = _get_json(f"{server.url}/_nodes/_local/process?filter_path=nodes.*.process.id", timeout_s=3)
        health = _get_json(f"{server.url}/_cluster/health", timeout_s=3)
    except (OSError, ValueError):
        return None
    if health.get("cluster_name") != CLUSTER_NAME:
        raise ServerError(f"{server.url} is not a node nabd started (cluster {health.get('cluster_name')!r})")
    return next(iter(nodes.get("nodes", {}).values()), {}).get("process", {}).get("id")


def _read_pid(server: LocalServer) -> int | None:
    try:
        return int(server.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_tail(server: LocalServer, lines: int = 30) -> str:
    tails = []
    for log_file in (server.log_dir / "startup.log", server.log_dir / f"{CLUSTER_NAME}.log"):
        try:
            tails.append("\n".join(log_file.read_text(errors="replace").splitlines()[-lines:]))
        except OSError:
            tails.append(f"(no log at {log_file})")
    return "\n".join(tails)
