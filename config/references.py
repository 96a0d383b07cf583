"""Checks across the configuration files: unique ids, and every reference between them resolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from config.errors import Location, problem
from config.models import SIGNAL_IDS, TOPIC_IDS, AlertRule, Brand, CollectionRule, TopicsFile
from config.reading import display_path
from config.settings import Settings
from config.sources import Source


@dataclass(frozen=True)
class ConfigFiles:
    """The configuration files as named in error messages."""

    brands: str
    sources: str
    topics: str
    alerts: str
    settings: str

    @classmethod
    def in_directory(cls, directory: Path) -> ConfigFiles:
        """The display names of the five files in `directory`."""
        names = ("brands", "sources", "topics", "alerts", "settings")
        return cls(**{name: display_path(directory / f"{name}.yaml") for name in names})


def reference_problems(
    files: ConfigFiles,
    brands: list[Brand],
    sources: list[Source],
    topics: TopicsFile,
    rules: list[AlertRule],
    settings: Settings,
    collection_rules: list[CollectionRule] = (),
) -> list[str]:
    """Every cross-reference problem, one line each; empty when the files agree."""
    brand_ids = [brand.id for brand in brands]
    return [
        *brand_problems(files.brands, brands),
        *source_problems(files.sources, sources, brand_ids),
        *topic_problems(files.topics, topics),
        *signal_problems(files.topics, topics),
        *rule_problems(files, rules, brand_ids, settings),
        *collection_rule_problems(files, list(collection_rules), [rule.id for rule in rules], sources, settings),
    ]


def brand_problems(file: str, brands: list[Brand]) -> list[str]:
    """Duplicate brand ids, unknown competitors, and names claimed by two brands."""
    ids = [brand.id for brand in brands]
    problems = _duplicates(file, "brands", "id", ids)
    owners: dict[str, str] = {}
    for index, brand in enumerate(brands):
        for position, competitor in enumerate(brand.competitors):
            where = ("brands", index, "competitors", position)
            problems += _unknown_brand(file, where, competitor, ids)
            if competitor == brand.id:
                text = "expected another brand's id, a brand is not its own competitor"
                problems.append(problem(file, where, text))
        for name in brand.spellings:
            owner = owners.setdefault(name.casefold(), brand.id)
            if owner != brand.id:
                text = f"expected names unique to one brand, {name!r} is also a name of {owner!r}"
                problems.append(problem(file, ("brands", index), text))
    return problems


def source_problems(file: str, sources: list[Source], brand_ids: list[str]) -> list[str]:
    """Duplicate source names, and brands (of the source or of its store apps) that do not exist."""
    problems = _duplicates(file, "sources", "name", [source.name for source in sources])
    for index, source in enumerate(sources):
        for position, brand_id in enumerate(source.brands):
            problems += _unknown_brand(file, ("sources", index, "brands", position), brand_id, brand_ids)
        for position, app in enumerate(source.options.get("apps", []) if source.kind == "app_store" else []):
            where = ("sources", index, "options", "apps", position, "brand")
            problems += _unknown_brand(file, where, app["brand"], brand_ids)
    return problems


def topic_problems(file: str, topics: TopicsFile) -> list[str]:
    """Duplicate topic ids, fixed topics missing, and topics that take a signal's id."""
    topic_ids = [topic.id for topic in topics.topics]
    problems = _duplicates(file, "topics", "id", topic_ids)
    missing = [topic_id for topic_id in TOPIC_IDS if topic_id not in topic_ids]
    if missing:
        expected = f"expected every fixed topic id of DESIGN.md §3 ({', '.join(TOPIC_IDS)})"
        problems.append(problem(file, ("topics",), f"{expected}, missing {', '.join(missing)}"))
    for index, topic_id in enumerate(topic_ids):
        if topic_id in SIGNAL_IDS:
            text = f"expected a topic id, {topic_id!r} is a signal"
            problems.append(problem(file, ("topics", index, "id"), text))
    return problems


def signal_problems(file: str, topics: TopicsFile) -> list[str]:
    """The signals must be exactly churn_intent and advocacy, each once."""
    signal_ids = [signal.id for signal in topics.signals]
    problems = _duplicates(file, "signals", "id", signal_ids)
    for index, signal_id in enumerate(signal_ids):
        if signal_id not in SIGNAL_IDS:
            expected = f"expected one of the signal ids {', '.join(SIGNAL_IDS)}"
            problems.append(problem(file, ("signals", index, "id"), f"{expected}, got {signal_id!r}"))
    absent = [signal_id for signal_id in SIGNAL_IDS if signal_id not in signal_ids]
    if absent:
        text = f"expected the signals {', '.join(SIGNAL_IDS)}, missing {', '.join(absent)}"
        problems.append(problem(file, ("signals",), text))
    return problems


def rule_problems(
    files: ConfigFiles, rules: list[AlertRule], brand_ids: list[str], settings: Settings
) -> list[str]:
    """Duplicate rule ids, rules for unknown brands, and e-mail channels without a mail server."""
    problems = _duplicates(files.alerts, "alert_rules", "id", [rule.id for rule in rules])
    for index, rule in enumerate(rules):
        problems += _unknown_brand(files.alerts, ("alert_rules", index, "brand"), rule.brand, brand_ids)
        sends_mail = any(channel.type == "email" for channel in rule.channels)
        if sends_mail and not (settings.smtp.host and settings.smtp.sender):
            text = (
                f"expected smtp.host and smtp.sender, because alert rule {rule.id!r} "
                f"in {files.alerts} sends e-mail"
            )
            problems.append(problem(files.settings, ("smtp",), text))
    return problems


def collection_rule_problems(
    files: ConfigFiles, rules: list[CollectionRule], alert_rule_ids: list[str], sources: list[Source], settings: Settings
) -> list[str]:
    """Duplicate ids (among both kinds of rule), unknown sources, and e-mail channels without a mail server."""
    problems = _duplicates(files.alerts, "collection_rules", "id", [rule.id for rule in rules])
    names = [source.name for source in sources]
    for index, rule in enumerate(rules):
        if rule.id in alert_rule_ids:
            problems.append(problem(files.alerts, ("collection_rules", index, "id"),
                                    f"duplicate id {rule.id!r} (also an alert_rules id)"))
        for position, name in enumerate(rule.sources):
            if name not in names:
                text = f"expected a source of {files.sources} ({', '.join(names)}), got {name!r}"
                problems.append(problem(files.alerts, ("collection_rules", index, "sources", position), text))
        if any(channel.type == "email" for channel in rule.channels) and not (settings.smtp.host and settings.smtp.sender):
            text = f"expected smtp.host and smtp.sender, because collection rule {rule.id!r} in {files.alerts} sends e-mail"
            problems.append(problem(files.settings, ("smtp",), text))
    return problems


def _duplicates(file: str, section: str, key: str, values: list[str]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for index, value in enumerate(values):
        if value in first:
            text = f"duplicate id {value!r} (first at {section}[{first[value]}])"
            problems.append(problem(file, (section, index, key), text))
        first.setdefault(value, index)
    return problems


def _unknown_brand(file: str, where: Location, brand_id: str, known: list[str]) -> list[str]:
    if brand_id in known:
        return []
    expected = f"expected the id of a brand in brands.yaml ({', '.join(dict.fromkeys(known))})"
    return [problem(file, where, f"{expected}, got {brand_id!r}")]
