"""The typed, validated configuration of nabd: brands, sources, topics, alert rules and settings."""

from config.errors import ConfigError
from config.loader import Config, load_config, load_settings, load_topics, resolve_config_dir
from config.models import SIGNAL_IDS, TOPIC_IDS, AlertRule, Brand, Channel, Topic
from config.settings import Settings, require_secret, secret
from config.sources import Source

__all__ = [
    "SIGNAL_IDS",
    "TOPIC_IDS",
    "AlertRule",
    "Brand",
    "Channel",
    "Config",
    "ConfigError",
    "Settings",
    "Source",
    "Topic",
    "load_config",
    "load_settings",
    "load_topics",
    "require_secret",
    "resolve_config_dir",
    "secret",
]
