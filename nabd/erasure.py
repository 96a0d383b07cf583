"""Erasure on request (`nabd erase` and the maintenance DAG): a person's or a post's every copy goes, an audit record stays.

What goes: the mention documents in every monthly index, their place in alert evidence, every JSONL line under
data_dir that carries them (raw, enriched, rejects, dead letters), and their posts in saved reports (figures.json
redacted, HTML and PDF rendered again). What stays: salted hashes of the erased author and mention ids, so that
later crawls drop them too, and one audit record per erasure with counts and times, never the identifiers.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nabd.maintenance import MaintenanceError
from nabd.private_files import write_atomically, write_text

log = logging.getLogger(__name__)

REQUESTS_DIR = "erasure_requests"
AUDIT_DIR = Path(REQUESTS_DIR) / "done"
ERASED_FILE = Path("state") / "erased.json"
LEGACY_ERASED_FILE = Path("state") / "erased_authors.json"  # plain author ids, before they were hashed
HEX_ID = re.compile(rb"\b[0-9a-f]{32}\b")
SCAN_PAGE = 1000
PIT_KEEP_ALIVE = "2m"
REPORT_HTML = re.compile(r"^nabd-(?P<brand>.+)-(?P<day>\d{4}-\d{2}-\d{2})-(?P<language>ar|en)\.html$")


# ---------------------------------------------------------------- what was erased, kept as salted hashes


@dataclass
class ErasedIds:
    """The erased author and mention ids as HMAC-SHA256 digests under a per-deployment random salt."""

    salt: bytes
    authors: set[str] = field(default_factory=set)
    mentions: set[str] = field(default_factory=set)

    def digest(self, identifier: str) -> str:
        return hmac.new(self.salt, identifier.encode("utf-8"), hashlib.sha256).hexdigest()

    def add(self, author_ids: Iterable[str] = (), mention_ids: Iterable[str] = ()) -> None:
        self.authors.update(self.digest(author) for author in author_ids)
        self.mentions.update(self.digest(mention) for mention in mention_ids)

    def holds(self, authors: Iterable[str], mentions: Iterable[str]) -> bool:
        return (any(self.digest(author) in self.authors for author in authors)
                or any(self.digest(mention) in self.mentions for mention in mentions))

    def __bool__(self) -> bool:
        return bool(self.authors or self.mentions)


def load_erased(config) -> ErasedIds:
    """What was erased so far (data_dir/state/erased.json); a fresh salt when nothing was."""
    data_dir = Path(config.settings.data_dir)
    path = data_dir / ERASED_FILE
    if not path.is_file():
        erased = ErasedIds(salt=secrets.token_bytes(32))
    else:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            erased = ErasedIds(bytes.fromhex(stored["salt"]), set(stored["authors"]), set(stored["mentions"]))
        except (ValueError, KeyError, TypeError) as error:
            raise MaintenanceError(f"{path}: expected a JSON object with 'salt' (hex), 'authors' and 'mentions' "
                                   f"(lists of hex digests) ({error})") from None
    legacy = data_dir / LEGACY_ERASED_FILE
    if legacy.is_file():
        erased.add(author_ids=_legacy_ids(legacy))
        save_erased(config, erased)
        legacy.unlink()
    return erased


def save_erased(config, erased: ErasedIds) -> None:
    record = {"salt": erased.salt.hex(), "authors": sorted(erased.authors), "mentions": sorted(erased.mentions)}
    write_text(Path(config.settings.data_dir) / ERASED_FILE, json.dumps(record, indent=1))


def remember_erased(config, author_ids: Iterable[str] = (), mention_ids: Iterable[str] = ()) -> None:
    """Adds authors and mentions to the erased ones (as salted hashes), so that crawls drop them from now on."""
    erased = load_erased(config)
    erased.add(author_ids, mention_ids)
    save_erased(config, erased)


def _legacy_ids(path: Path) -> list[str]:
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MaintenanceError(f"{path}: not JSON ({error.msg}, line {error.lineno}); expected a list of author ids") from None
    if not isinstance(ids, list) or not all(isinstance(author, str) for author in ids):
        raise MaintenanceError(f"{path}: expected a JSON list of author id strings")
    return ids


def drop_erased(config, paths: Iterable[Path]) -> int:
    """Removes the lines of erased authors and mentions from the given JSONL files (a fresh crawl); how many went."""
    erased = load_erased(config)
    if not erased:
        return 0
    return sum(remove_lines(Path(path), erased)[0] for path in paths if Path(path).is_file())


# ---------------------------------------------------------------- lines of JSONL files


def line_ids(line: bytes) -> tuple[set[str], set[str]]:
    """The author ids and mention ids a JSONL line is about: a mention (`author.id`, `id`), a dead letter's
    `document`, or a rejected raw line (parsed when it is JSON, else every 32-hex-digit token in it)."""
    try:
        record = json.loads(line)
    except ValueError:
        return _tokens(line)
    if not isinstance(record, dict):
        return _tokens(line)
    authors, mentions = _record_ids(record)
    for nested in (record.get("document"), record.get("raw")):
        if isinstance(nested, str):
            try:
                nested = json.loads(nested)
            except ValueError:
                more = _tokens(nested.encode("utf-8"))
                authors, mentions = authors | more[0], mentions | more[1]
                continue
        if isinstance(nested, dict):
            more = _record_ids(nested)
            authors, mentions = authors | more[0], mentions | more[1]
    return authors, mentions


def _record_ids(record: dict) -> tuple[set[str], set[str]]:
    author = record.get("author")
    authors = {author["id"]} if isinstance(author, dict) and isinstance(author.get("id"), str) else set()
    mentions = {record["id"]} if isinstance(record.get("id"), str) else set()
    return authors, mentions


def _tokens(line: bytes) -> tuple[set[str], set[str]]:
    tokens = {token.decode("ascii") for token in HEX_ID.findall(line)}
    return tokens, tokens


def remove_lines(path: Path, erased: ErasedIds, needles: tuple[bytes, ...] = ()) -> tuple[int, set[str]]:
    """Rewrites a JSONL file (mode kept) without the lines about an erased author or mention: how many went, and
    their mention ids. `needles` (the plain ids, during an erasure) pass over lines that cannot match unparsed."""
    kept, removed, mentions_removed = [], 0, set()
    with path.open("rb") as lines:
        for line in lines:
            if needles and not any(needle in line for needle in needles):
                kept.append(line)
                continue
            authors, mentions = line_ids(line)
            if erased.holds(authors, mentions):
                removed += 1
                mentions_removed |= mentions
            else:
                kept.append(line)
    if removed:
        write_atomically(path, b"".join(kept))
    return removed, mentions_removed


# ---------------------------------------------------------------- one erasure


@dataclass
class Erasure:
    """What one erasure touched, counted; `audit()` is the record kept, without any identifier."""

    kind: str
    subjects: list[str]
    documents_deleted: int = 0
    alerts_updated: int = 0
    lines_removed: int = 0
    files_changed: list[str] = field(default_factory=list)
    reports_redacted: list[str] = field(default_factory=list)
    pdfs_removed: list[str] = field(default_factory=list)

    def audit(self, **extra: Any) -> dict[str, Any]:
        return {"kind": self.kind, "subjects": self.subjects, **extra,
                "erased_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "documents_deleted": self.documents_deleted, "alerts_updated": self.alerts_updated,
                "lines_removed": self.lines_removed, "files_changed": len(self.files_changed),
                "reports_redacted": len(self.reports_redacted), "pdfs_removed": len(self.pdfs_removed)}


def erase(author_ids: Iterable[str] = (), mention_ids: Iterable[str] = (), *, config_dir: str | None = None,
          kind: str | None = None, record_name: str | None = None, **audit_extra: Any) -> dict[str, Any]:
    """Erases the authors' mentions and the named mentions everywhere; writes the audit record and returns it
    (with `record`, its path). Idempotent: erasing again finds nothing and says so."""
    from index import cluster

    config = _config(config_dir)
    authors, mentions = sorted(set(author_ids)), sorted(set(mention_ids))
    if not authors and not mentions:
        raise MaintenanceError("nothing to erase: give author ids, a handle, or mention ids")
    remember_erased(config, authors, mentions)  # first, so a crawl running meanwhile already drops them
    this = ErasedIds(load_erased(config).salt)
    this.add(authors, mentions)
    result = Erasure(kind or ("mention" if mentions and not authors else "author"),
                     sorted(this.authors | this.mentions))

    client = cluster.connect(config)
    names = cluster.index_names(config)
    hits = list(_scan_ids(client, f"{names.prefix}-mentions-*", _query(authors, mentions)))
    result.documents_deleted = _bulk_delete(client, hits)
    erased_mentions = set(mentions) | {hit["_id"] for hit in hits}
    data_dir = Path(config.settings.data_dir)
    needles = tuple(identifier.encode("utf-8") for identifier in authors + mentions)
    for path in sorted(data_dir.rglob("*.jsonl")) if data_dir.is_dir() else []:
        removed, removed_mentions = remove_lines(path, this, needles)
        if removed:
            result.files_changed.append(str(path))
            result.lines_removed += removed
            erased_mentions |= removed_mentions
    result.alerts_updated = _drop_alert_evidence(client, names.alerts_alias, erased_mentions)
    _redact_reports(config, data_dir, erased_mentions, result)
    audit = result.audit(**audit_extra)
    name = record_name or f"{audit['erased_at'].replace(':', '').replace('-', '')}-{audit['subjects'][0][:12]}.json"
    record = write_text(data_dir / AUDIT_DIR / name, json.dumps(audit, indent=1))
    log.info("erased %d %s(s): %d document(s), %d alert(s) updated, %d line(s) in %d file(s), %d report(s); "
             "audit record %s", len(authors) + len(mentions), result.kind, result.documents_deleted,
             result.alerts_updated, result.lines_removed, len(result.files_changed), len(result.reports_redacted),
             record)
    return {**audit, "record": str(record)}


def _query(authors: list[str], mentions: list[str]) -> dict:
    should = ([{"terms": {"author.id": authors}}] if authors else []) + ([{"ids": {"values": mentions}}] if mentions else [])
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _scan_ids(client, index: str, query: dict) -> Iterator[dict]:
    """Every matching document's `_index` and `_id`, through a point in time (no scroll, no delete-by-query)."""
    if not client.indices.get(index=index, expand_wildcards="open", allow_no_indices=True):
        return
    pit = client.open_point_in_time(index=index, keep_alive=PIT_KEEP_ALIVE, allow_partial_search_results=False)["id"]
    try:
        search_after = None
        while True:
            page = client.search(query=query, pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, size=SCAN_PAGE,
                                 sort=["_shard_doc"], search_after=search_after, source=False)
            hits = page["hits"]["hits"]
            pit = page.get("pit_id", pit)
            yield from ({"_index": hit["_index"], "_id": hit["_id"]} for hit in hits)
            if len(hits) < SCAN_PAGE:
                return
            search_after = hits[-1]["sort"]
    finally:
        client.close_point_in_time(id=pit)


def _bulk_delete(client, hits: list[dict]) -> int:
    from elasticsearch import helpers

    actions = ({"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]} for hit in hits)
    deleted, errors = 0, []
    for ok, item in helpers.streaming_bulk(client, actions, raise_on_error=False, max_retries=5, initial_backoff=1):
        result = item.get("delete", {})
        if ok or result.get("status") == 404:
            deleted += ok
        else:
            errors.append(f"{result.get('_index')}/{result.get('_id')}: {result.get('error')}")
    if errors:
        raise MaintenanceError(f"{len(errors)} document(s) could not be deleted; run the erasure again:\n" + "\n".join(errors[:20]))
    for index in sorted({hit["_index"] for hit in hits}):
        client.indices.refresh(index=index)
    return deleted


def _drop_alert_evidence(client, alias: str, mention_ids: set[str]) -> int:
    """Removes erased mentions from the evidence of alerts that cite them; returns the alerts changed."""
    if not mention_ids or not client.indices.exists_alias(name=alias):
        return 0
    found = client.search(index=alias, query={"terms": {"evidence_mentions.id": sorted(mention_ids)}},
                          size=10_000, source=["evidence_mentions"])["hits"]["hits"]
    for hit in found:
        kept = [mention for mention in hit["_source"].get("evidence_mentions", []) if mention.get("id") not in mention_ids]
        client.update(index=hit["_index"], id=hit["_id"], doc={"evidence_mentions": kept}, refresh=True)
    return len(found)


# ---------------------------------------------------------------- saved reports


def redacted_figures(figures: dict, mention_ids: set[str]) -> dict | None:
    """The report's figures without the erased posts (most engaged posts, topic and rising-term examples); None
    when none was there."""
    posts = [post for post in figures.get("posts", []) if post.get("id") not in mention_ids]
    topics = [{**topic, "examples": [post for post in topic.get("examples", []) if post.get("id") not in mention_ids]}
              for topic in figures.get("topics", [])]
    terms = [{**term, "examples": [post for post in term.get("examples", []) if post.get("id") not in mention_ids]}
             for term in figures.get("rising_terms", [])]
    if posts == figures.get("posts", []) and topics == figures.get("topics", []) \
            and terms == figures.get("rising_terms", []):
        return None
    return {**figures, "posts": posts, "topics": topics, "rising_terms": terms}


def _redact_reports(config, data_dir: Path, mention_ids: set[str], result: Erasure) -> None:
    """Rewrites every saved report that shows an erased post: figures.json, then HTML and PDF rendered again."""
    from nabd.report import build, chromium

    for figures_path in sorted((data_dir / "reports").glob("*/*/*-figures.json")) if mention_ids else []:
        redacted = redacted_figures(json.loads(figures_path.read_text(encoding="utf-8")), mention_ids)
        if redacted is None:
            continue
        languages = sorted({match["language"] for page in figures_path.parent.glob("*.html")
                            if (match := REPORT_HTML.match(page.name))}) or [build.report_language(config, config.brand(redacted["brand"]), None)]
        for language in languages:
            try:
                build.write_files(config, redacted, language)
            except chromium.ChromiumError as error:  # the PDF would still show the post: it goes
                stale = figures_path.parent / f"nabd-{redacted['brand']}-{redacted['date']}-{language}.pdf"
                stale.unlink(missing_ok=True)
                result.pdfs_removed.append(str(stale))
                log.warning("%s removed, not printed again: %s", stale, error)
        result.reports_redacted.append(str(figures_path.parent))


# ---------------------------------------------------------------- requests from the maintenance DAG


def process_erasure_requests(as_of: datetime | str, *, config_dir: str | None = None) -> dict[str, Any]:
    """Carries out every request file in data_dir/erasure_requests/*.json (`author_id`, `mention_id`, or `source`
    and `handle`); each is replaced by its audit record in done/. A request that cannot be read is left in place
    and named in the error raised after the others ran."""
    config = _config(config_dir)
    directory = Path(config.settings.data_dir) / REQUESTS_DIR
    requests, problems = _read_requests(config, directory)
    audits = []
    for path, identifiers in requests:
        audits.append(erase(**identifiers, config_dir=str(config.config_dir), record_name=path.name,
                            request=path.name, processed_for=str(as_of)))
        path.unlink()
    if problems:
        raise MaintenanceError("erasure requests that could not be read (left in place):\n" + "\n".join(problems))
    return {"requests": [path.name for path, _ in requests],
            **{key: sum(audit[key] for audit in audits) for key in
               ("documents_deleted", "alerts_updated", "lines_removed", "files_changed", "reports_redacted")}}


def identifiers_of(request: Any, config, where: str) -> dict[str, list[str]]:
    """The author or mention ids an erasure request names: `author_id`, `mention_id`, or `handle` (with `source`,
    else on every configured source: the pseudonym is computed with the configured key)."""
    if not isinstance(request, dict):
        raise MaintenanceError(f"{where}: expected a JSON object with 'author_id', 'mention_id', or 'handle' and 'source'")
    for key, kind in (("author_id", "author_ids"), ("mention_id", "mention_ids")):
        if isinstance(request.get(key), str) and request[key].strip():
            return {kind: [request[key].strip()]}
    source, handle = request.get("source"), request.get("handle")
    if not (isinstance(source, str) and source and isinstance(handle, str) and handle.strip()):
        raise MaintenanceError(f"{where}: expected key 'author_id', 'mention_id', or keys 'source' and 'handle' (strings)")
    return {"author_ids": handle_pseudonyms(config, handle, [source])}


def handle_pseudonyms(config, handle: str, sources: Iterable[str] | None = None) -> list[str]:
    """The pseudonymous author ids of `handle` on the given sources (default: every configured source)."""
    from spiders.privacy import author_pseudonym, pseudonym_key

    key_env = config.settings.privacy.pseudonym_key_env
    names = list(sources) if sources else [source.name for source in config.sources]
    return sorted({author_pseudonym(pseudonym_key(key_env, source), source, handle.strip()) for source in names})


def _read_requests(config, directory: Path) -> tuple[list[tuple[Path, dict]], list[str]]:
    requests, problems = [], []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            request = json.loads(path.read_text(encoding="utf-8"))
            requests.append((path, identifiers_of(request, config, str(path))))
        except json.JSONDecodeError as error:
            problems.append(f"{path}: not JSON ({error.msg}, line {error.lineno})")
        except (MaintenanceError, RuntimeError) as error:
            problems.append(str(error))
    return requests, problems


# ---------------------------------------------------------------- nabd erase


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "erase", help="erase a person (or one post) from every index, file and report, on request",
        description="Deletes the mentions of an author (by pseudonymous id, or by handle: the pseudonym is computed "
                    "with the configured key) or the named mentions from every monthly index and alert, every JSONL "
                    "file under data_dir (raw, enriched, rejects, dead letters) and every saved report (figures, "
                    "HTML and PDF made again). Later crawls drop them too. Prints the audit record, which holds "
                    "salted hashes and counts, never the identifiers. Idempotent.")
    who = command.add_mutually_exclusive_group(required=True)
    who.add_argument("--author-id", action="append", metavar="ID", help="pseudonymous author id (repeat for more)")
    who.add_argument("--handle", help="the author's handle at the source, e.g. @Um_Khalid")
    who.add_argument("--mention-id", action="append", metavar="ID", help="one mention's id (repeat for more)")
    command.add_argument("--source", action="append", metavar="SOURCE",
                         help="with --handle: the source the handle belongs to (repeat; default: every configured source)")
    command.add_argument("--config-dir", help="configuration directory (default: $NABD_CONFIG_DIR or config/)")
    command.set_defaults(handler=run_erase)


def run_erase(args: argparse.Namespace) -> int:
    config = _config(args.config_dir)
    if args.handle:
        author_ids, kind = handle_pseudonyms(config, args.handle, args.source), "handle"
    else:
        author_ids, kind = args.author_id or [], "author" if args.author_id else "mention"
    audit = erase(author_ids, args.mention_id or [], config_dir=str(config.config_dir), kind=kind)
    print(json.dumps(audit, ensure_ascii=False, indent=1))
    return 0


def _config(config_dir: str | Path | None):
    from config import load_config

    return load_config(config_dir)
