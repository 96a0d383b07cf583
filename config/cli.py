"""The `nabd config` commands: validate the configuration and summarise it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.loader import Config
    from config.models import Brand


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `nabd config check` to the command line."""
    parser = subparsers.add_parser(
        "config", help="check the configuration (brands, sources, topics, alert rules, settings)"
    )
    commands = parser.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    check = commands.add_parser("check", help="load and validate the configuration, then summarise it")
    check.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="configuration directory (default: $NABD_CONFIG_DIR, else the repository's config/)",
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Load the configuration (raising ConfigError when invalid) and print what it holds."""
    from config.loader import load_config

    config = load_config(args.dir)
    print(f"configuration in {config.config_dir} is valid")
    for line in summary(config):
        print(line)
    return 0


def summary(config: Config) -> list[str]:
    """A short human summary of the configuration, with warnings about secrets not set here."""
    enabled = [source.name for source in config.enabled_sources()]
    disabled = [source.name for source in config.sources if not source.enabled]
    lines = [
        f"brands ({len(config.brands)}): " + ", ".join(_brand_line(brand) for brand in config.brands),
        f"sources ({len(config.sources)}): enabled {', '.join(enabled) or 'none'}; "
        f"disabled {', '.join(disabled) or 'none'}",
        f"topics ({len(config.topics)}): " + ", ".join(topic.id for topic in config.topics),
        "signals: " + ", ".join(signal.id for signal in config.signals),
        f"alert rules ({len(config.alert_rules)}): "
        + ", ".join(f"{rule.id} -> {rule.brand}" for rule in config.alert_rules),
        f"collection rules ({len(config.collection_rules)}): "
        + ", ".join(f"{rule.id} -> {', '.join(rule.sources) or 'every enabled source'}" for rule in config.collection_rules),
        f"elasticsearch: {config.settings.elasticsearch_url() or 'local server managed by nabd'}",
    ]
    return lines + [f"warning: {warning}" for warning in _unset_secrets(config)]


def _brand_line(brand: Brand) -> str:
    role = "" if brand.role == "brand" else f" ({brand.role})"
    return f"{brand.id}{role}"


def _unset_secrets(config: Config) -> list[str]:
    from config.settings import secret

    privacy_key = config.settings.privacy.pseudonym_key_env
    warnings = [] if secret(privacy_key) else [f"{privacy_key} is not set; author pseudonyms need it"]
    for source in config.enabled_sources():
        for name in source.credentials_env:
            if secret(name) is None:
                warnings.append(f"{name} is not set; enabled source {source.name!r} needs it")
    for rule in [*config.alert_rules, *config.collection_rules]:
        for channel in rule.channels:
            if rule.enabled and channel.url_env and secret(channel.url_env) is None:
                warnings.append(f"{channel.url_env} is not set; alert rule {rule.id!r} posts to it")
    return warnings
