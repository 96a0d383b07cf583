"""Loading the configuration directory once: each file validated, then the references between them checked."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, Location, from_validation_error, problem
from config.models import SIGNAL_IDS, TOPIC_IDS, AlertRule, AlertsFile, Brand, BrandsFile, Topic, TopicsFile
from config.reading import display_path, read_mapping
from config.settings import REPO_ROOT, Settings
from config.sources import Source, SourcesFile
from config.values import ConfigModel

log = logging.getLogger(__name__)

DEFAULT_CONFIG_DIR = REPO_ROOT / "config"
Model = TypeVar("Model", bound=BaseModel)


class Config(ConfigModel):
    """The whole validated configuration of one deployment."""

    config_dir: Path
    brands: list[Brand]
    sources: list[Source]
    topics: list[Topic]
    signals: list[Topic]
    alert_rules: list[AlertRule]
    settings: Settings

    def brand(self, brand_id: str) -> Brand:
        """The brand with this id, or a ConfigError naming it."""
        return _find(self.brands, "id", brand_id, "brand", self._file("brands.yaml"))

    def source(self, name: str) -> Source:
        """The source with this name, or a ConfigError naming it."""
        return _find(self.sources, "name", name, "source", self._file("sources.yaml"))

    def topic(self, topic_id: str) -> Topic:
        """The complaint topic with this id, or a ConfigError naming it."""
        return _find(self.topics, "id", topic_id, "topic", self._file("topics.yaml"))

    def signal(self, signal_id: str) -> Topic:
        """The loyalty signal ('churn_intent' or 'advocacy') with this id."""
        return _find(self.signals, "id", signal_id, "signal", self._file("topics.yaml"))

    def alert_rule(self, rule_id: str) -> AlertRule:
        """The alert rule with this id, or a ConfigError naming it."""
        return _find(self.alert_rules, "id", rule_id, "alert rule", self._file("alerts.yaml"))

    def enabled_sources(self) -> list[Source]:
        """The sources switched on, in file order."""
        return [source for source in self.sources if source.enabled]

    def source_brands(self, name: str) -> list[Brand]:
        """The brands a source collects for: its own list, or every brand when the list is empty."""
        wanted = self.source(name).brands
        return [self.brand(brand_id) for brand_id in wanted] if wanted else list(self.brands)

    def _file(self, name: str) -> str:
        return display_path(self.config_dir / name)


def load_config(config_dir: str | Path | None = None) -> Config:
    """Load and validate the configuration in `config_dir`, $NABD_CONFIG_DIR, or the repository's config/."""
    directory = resolve_config_dir(config_dir)
    settings = _validated(directory / "settings.yaml", Settings, "the settings sections such as elasticsearch")
    brands = _validated(directory / "brands.yaml", BrandsFile, "the key 'brands'").brands
    sources = _validated(directory / "sources.yaml", SourcesFile, "the key 'sources'").sources
    topics = _validated(directory / "topics.yaml", TopicsFile, "the keys 'topics' and 'signals'")
    rules = _validated(directory / "alerts.yaml", AlertsFile, "the key 'alert_rules'").alert_rules
    sources = [_with_checked_options(directory, index, source) for index, source in enumerate(sources)]
    files = _Files(directory)
    problems = [
        *_brand_problems(files.brands, brands),
        *_source_problems(files.sources, sources, brands),
        *_topic_problems(files.topics, topics),
        *_rule_problems(files, rules, brands, settings),
    ]
    if problems:
        raise ConfigError("\n".join(problems))
    default_language = settings.report.default_language
    brands = [
        brand if brand.report_language else brand.model_copy(update={"report_language": default_language})
        for brand in brands
    ]
    log.debug("loaded configuration from %s", directory)
    return Config(
        config_dir=directory,
        brands=brands,
        sources=sources,
        topics=topics.topics,
        signals=topics.signals,
        alert_rules=rules,
        settings=settings,
    )


def resolve_config_dir(config_dir: str | Path | None) -> Path:
    """The directory to load: the argument, else $NABD_CONFIG_DIR (read now), else the repository's config/."""
    origin = "the given directory"
    if config_dir is None and os.environ.get("NABD_CONFIG_DIR"):
        config_dir, origin = os.environ["NABD_CONFIG_DIR"], "$NABD_CONFIG_DIR"
    directory = Path(config_dir) if config_dir is not None else DEFAULT_CONFIG_DIR
    if not directory.is_dir():
        raise ConfigError(f"{directory}: configuration directory not found (from {origin})")
    return directory.resolve()


class _Files:
    """Display names of the configuration files, for error messages."""

    def __init__(self, directory: Path) -> None:
        self.brands = display_path(directory / "brands.yaml")
        self.sources = display_path(directory / "sources.yaml")
        self.topics = display_path(directory / "topics.yaml")
        self.alerts = display_path(directory / "alerts.yaml")
        self.settings = display_path(directory / "settings.yaml")


def _validated(path: Path, model: type[Model], expected_keys: str) -> Model:
    document = read_mapping(path, expected_keys)
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise from_validation_error(display_path(path), error, model) from None


def _with_checked_options(directory: Path, index: int, source: Source) -> Source:
    """`source` with its options validated against its kind and completed with defaults."""
    shape = source.options_model
    try:
        options = shape.model_validate(source.options)
    except ValidationError as error:
        shown = display_path(directory / "sources.yaml")
        raise from_validation_error(shown, error, shape, prefix=("sources", index, "options")) from None
    return source.model_copy(update={"options": options.model_dump(mode="json")})


def _find(items: Iterable[Model], key: str, wanted: str, what: str, file: str) -> Model:
    for item in items:
        if getattr(item, key) == wanted:
            return item
    known = ", ".join(str(getattr(item, key)) for item in items)
    raise ConfigError(f"{file}: no {what} with {key} {wanted!r}; expected one of: {known}")


def _duplicates(file: str, section: str, values: list[str]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for index, value in enumerate(values):
        if value in first:
            where: Location = (section, index)
            problems.append(problem(file, where, f"duplicate id {value!r} (first at {section}[{first[value]}])"))
        first.setdefault(value, index)
    return problems


def _unknown_brand(file: str, where: Location, brand_id: str, known: list[str]) -> list[str]:
    if brand_id in known:
        return []
    expected = f"expected the id of a brand in brands.yaml ({', '.join(known)})"
    return [problem(file, where, f"{expected}, got {brand_id!r}")]


def _brand_problems(file: str, brands: list[Brand]) -> list[str]:
    ids = [brand.id for brand in brands]
    problems = _duplicates(file, "brands", ids)
    owners: dict[str, str] = {}
    for index, brand in enumerate(brands):
        for position, competitor in enumerate(brand.competitors):
            where = ("brands", index, "competitors", position)
            problems += _unknown_brand(file, where, competitor, ids)
            if competitor == brand.id:
                problems.append(problem(file, where, "expected another brand's id, a brand is not its own competitor"))
        for name in (*brand.aliases, *brand.arabizi, *brand.handles):
            owner = owners.setdefault(name.casefold(), brand.id)
            if owner != brand.id:
                text = f"expected names unique to one brand, {name!r} is also a name of {owner!r}"
                problems.append(problem(file, ("brands", index), text))
    return problems


def _source_problems(file: str, sources: list[Source], brands: list[Brand]) -> list[str]:
    ids = [brand.id for brand in brands]
    problems = _duplicates(file, "sources", [source.name for source in sources])
    for index, source in enumerate(sources):
        for position, brand_id in enumerate(source.brands):
            problems += _unknown_brand(file, ("sources", index, "brands", position), brand_id, ids)
        for position, app in enumerate(source.options.get("apps", []) if source.kind == "app_store" else []):
            problems += _unknown_brand(file, ("sources", index, "options", "apps", position, "brand"), app["brand"], ids)
    return problems


def _topic_problems(file: str, topics: TopicsFile) -> list[str]:
    topic_ids = [topic.id for topic in topics.topics]
    signal_ids = [signal.id for signal in topics.signals]
    problems = _duplicates(file, "topics", topic_ids) + _duplicates(file, "signals", signal_ids)
    missing = [topic_id for topic_id in TOPIC_IDS if topic_id not in topic_ids]
    if missing:
        expected = f"expected every fixed topic id of DESIGN.md §3 ({', '.join(TOPIC_IDS)})"
        problems.append(problem(file, ("topics",), f"{expected}, missing {', '.join(missing)}"))
    for index, signal_id in enumerate(signal_ids):
        if signal_id not in SIGNAL_IDS:
            expected = f"expected one of the signal ids {', '.join(SIGNAL_IDS)}"
            problems.append(problem(file, ("signals", index, "id"), f"{expected}, got {signal_id!r}"))
    absent = [signal_id for signal_id in SIGNAL_IDS if signal_id not in signal_ids]
    if absent:
        problems.append(problem(file, ("signals",), f"expected the signals {', '.join(SIGNAL_IDS)}, missing {', '.join(absent)}"))
    for index, topic_id in enumerate(topic_ids):
        if topic_id in SIGNAL_IDS:
            problems.append(problem(file, ("topics", index, "id"), f"expected a topic id, {topic_id!r} is a signal"))
    return problems


def _rule_problems(files: _Files, rules: list[AlertRule], brands: list[Brand], settings: Settings) -> list[str]:
    ids = [brand.id for brand in brands]
    problems = _duplicates(files.alerts, "alert_rules", [rule.id for rule in rules])
    for index, rule in enumerate(rules):
        problems += _unknown_brand(files.alerts, ("alert_rules", index, "brand"), rule.brand, ids)
        mails = [channel for channel in rule.channels if channel.type == "email"]
        if mails and not (settings.smtp.host and settings.smtp.sender):
            text = f"expected smtp.host and smtp.sender, because alert rule {rule.id!r} in {files.alerts} sends e-mail"
            problems.append(problem(files.settings, ("smtp",), text))
    return problems
