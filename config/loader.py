"""Loading the configuration directory once: each file validated, then the references between them checked."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, from_validation_error
from config.models import AlertRule, AlertsFile, Brand, BrandsFile, CollectionRule, Topic, TopicsFile
from config.reading import display_path, read_mapping
from config.references import ConfigFiles, reference_problems, signal_problems, topic_problems
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
    collection_rules: list[CollectionRule] = []

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
    settings = _validated(directory / "settings.yaml", Settings, "sections such as 'elasticsearch'")
    brands = _validated(directory / "brands.yaml", BrandsFile, "the key 'brands'").brands
    sources = _with_checked_options(
        directory, _validated(directory / "sources.yaml", SourcesFile, "the key 'sources'").sources, settings
    )
    topics = _validated(directory / "topics.yaml", TopicsFile, "the keys 'topics' and 'signals'")
    alerts = _validated(directory / "alerts.yaml", AlertsFile, "the key 'alert_rules'")
    rules = alerts.alert_rules
    files = ConfigFiles.in_directory(directory)
    problems = reference_problems(files, brands, sources, topics, rules, settings, alerts.collection_rules)
    if problems:
        raise ConfigError("\n".join(problems))
    log.debug("loaded configuration from %s", directory)
    return Config(
        config_dir=directory,
        brands=_with_report_languages(brands, settings),
        sources=sources,
        topics=topics.topics,
        signals=topics.signals,
        alert_rules=rules,
        settings=settings,
        collection_rules=alerts.collection_rules,
    )


def load_settings(config_dir: str | Path | None = None) -> Settings:
    """Validate only settings.yaml of the configuration directory (as `load_config` finds it), for
    commands that read nothing else, such as `nabd classify`."""
    return _validated(resolve_config_dir(config_dir) / "settings.yaml", Settings, "sections such as 'elasticsearch'")


def load_topics(path: str | Path) -> TopicsFile:
    """Validate one topics.yaml on its own (the fixed topic ids present, the two signals, no duplicates)."""
    path = Path(path)
    topics = _validated(path, TopicsFile, "the keys 'topics' and 'signals'")
    shown = display_path(path)
    problems = [*topic_problems(shown, topics), *signal_problems(shown, topics)]
    if problems:
        raise ConfigError("\n".join(problems))
    return topics


def resolve_config_dir(config_dir: str | Path | None) -> Path:
    """The directory to load: the argument, else $NABD_CONFIG_DIR (read now), else the repo's config/."""
    origin = "the given directory"
    if config_dir is None and os.environ.get("NABD_CONFIG_DIR"):
        config_dir, origin = os.environ["NABD_CONFIG_DIR"], "$NABD_CONFIG_DIR"
    directory = Path(config_dir) if config_dir is not None else DEFAULT_CONFIG_DIR
    if not directory.is_dir():
        raise ConfigError(f"{directory}: configuration directory not found (from {origin})")
    return directory.resolve()


def _validated(path: Path, model: type[Model], expected_keys: str) -> Model:
    document = read_mapping(path, expected_keys)
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise from_validation_error(display_path(path), error, model) from None


def _with_checked_options(directory: Path, sources: list[Source], settings: Settings) -> list[Source]:
    """The sources with their options validated against their kind and completed with defaults."""
    keep_names = {"keep_author_names": settings.privacy.show_author_names}
    checked, problems = [], []
    for index, source in enumerate(sources):
        shape = source.options_model
        try:
            options = shape.model_validate(source.options)
        except ValidationError as error:
            shown = display_path(directory / "sources.yaml")
            prefix = ("sources", index, "options")
            problems.append(str(from_validation_error(shown, error, shape, prefix=prefix)))
            continue
        if options.keep_author_names is None:
            options = options.model_copy(update=keep_names)
        checked.append(source.model_copy(update={"options": options.model_dump(mode="json")}))
    if problems:
        raise ConfigError("\n".join(problems))
    return checked


def _with_report_languages(brands: list[Brand], settings: Settings) -> list[Brand]:
    """The brands, those without a report language taking the settings' default."""
    default = {"report_language": settings.report.default_language}
    return [brand if brand.report_language else brand.model_copy(update=default) for brand in brands]


def _find(items: Sequence[Model], key: str, wanted: str, what: str, file: str) -> Model:
    for item in items:
        if getattr(item, key) == wanted:
            return item
    known = ", ".join(str(getattr(item, key)) for item in items)
    raise ConfigError(f"{file}: no {what} with {key} {wanted!r}; expected one of: {known}")
