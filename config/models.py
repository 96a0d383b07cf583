"""The brand, complaint-topic and alert-rule models, validated field by field on load."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from config.values import (
    ArabiziSpelling,
    ConfigModel,
    CountryCode,
    Email,
    EnvVarName,
    Handle,
    LabelId,
    Slug,
    Text,
    TimeZone,
    UniqueList,
)

# The fixed complaint topic label ids of DESIGN.md §3, in report order.
TOPIC_IDS = (
    "delivery",
    "product_quality",
    "pricing",
    "billing_payment",
    "refund_return",
    "customer_service",
    "technical",
    "network_coverage",
)
# The loyalty signals the classifier labels besides topics.
SIGNAL_IDS = ("churn_intent", "advocacy")
# The values of the mention record's `lang` that a brand can be tracked in.
Language = Literal["ar", "ar-Latn", "en"]
ReportLanguage = Literal["ar", "en"]


class Brand(ConfigModel):
    """A tracked brand: how people name it, what to ignore, and whose day it reports in."""

    id: Slug
    name_ar: Text
    name_en: Text
    role: Literal["brand", "competitor"] = "brand"
    sector: Text | None = None
    countries: UniqueList[CountryCode] = []
    aliases: UniqueList[Text] = Field(min_length=1)
    arabizi: UniqueList[ArabiziSpelling] = []
    handles: UniqueList[Handle] = []
    competitors: UniqueList[Slug] = []
    include_terms: UniqueList[Text] = []
    exclude_terms: UniqueList[Text] = []
    ambiguous_aliases: UniqueList[Text] = []
    timezone: TimeZone
    languages: UniqueList[Language] = Field(default=["ar", "ar-Latn", "en"], min_length=1)
    report_language: ReportLanguage | None = None
    report_to: UniqueList[Email] = []

    @field_validator("ambiguous_aliases")
    @classmethod
    def _ambiguous_among_the_names(cls, terms: list[str], info: ValidationInfo) -> list[str]:
        names = {*info.data.get("aliases", []), *info.data.get("arabizi", []), info.data.get("name_ar"), info.data.get("name_en")}
        unknown = [term for term in terms if term not in names]
        if unknown:
            raise ValueError(f"expected some of the brand's own names (name_ar, name_en, aliases, arabizi), got {unknown}")
        return terms

    @field_validator("exclude_terms")
    @classmethod
    def _exclusions_leave_the_aliases(cls, terms: list[str], info: ValidationInfo) -> list[str]:
        names = {name.casefold() for key in ("aliases", "arabizi") for name in info.data.get(key, [])}
        for term in terms:
            if term.casefold() in names:
                raise ValueError(
                    f"expected phrases that rule a mention out, but {term!r} is also a name "
                    "of the brand and would exclude every mention"
                )
        return terms

    @property
    def spellings(self) -> list[str]:
        """Every name a mention may use: aliases, Arabizi spellings and handles."""
        return [*self.aliases, *self.arabizi, *self.handles]


class Topic(ConfigModel):
    """A complaint topic (or loyalty signal): its bilingual names, description, keyword seeds
    (whole phrases) and aspect words (found near a complaint cue of the file, they are evidence too)."""

    id: LabelId
    name_ar: Text
    name_en: Text
    description_ar: Text
    description_en: Text
    seeds: UniqueList[Text] = Field(min_length=1)
    aspects: UniqueList[Text] = []


class Channel(ConfigModel):
    """Where an alert is delivered: a Slack-compatible webhook, e-mail, or a generic webhook."""

    type: Literal["slack", "email", "webhook"]
    url_env: EnvVarName | None = None
    to: UniqueList[Email] = []

    @model_validator(mode="after")
    def _has_its_address(self) -> Channel:
        if self.type == "email" and (not self.to or self.url_env):
            raise ValueError("an email channel expected 'to' (a list of addresses) and no url_env")
        if self.type != "email" and (not self.url_env or self.to):
            raise ValueError(
                f"a {self.type} channel expected url_env (the name of the environment variable "
                "holding the webhook URL) and no 'to'"
            )
        return self


class AlertRule(ConfigModel):
    """When a brand's negative mentions spike against its own baseline, and whom to tell."""

    id: Slug
    brand: Slug
    enabled: bool = True
    window_minutes: int = Field(default=60, ge=5, le=1440)
    check_every_minutes: int = Field(default=15, ge=1, le=1440)
    min_negative: int = Field(default=10, ge=1)
    min_negative_share: float = Field(default=0.3, ge=0.0, le=1.0)
    sensitivity: float = Field(default=3.0, gt=0.0)
    baseline_weeks: int = Field(default=4, ge=1, le=52)
    cooldown_minutes: int = Field(default=180, ge=0)
    channels: list[Channel] = []

    @field_validator("check_every_minutes")
    @classmethod
    def _checks_cover_the_window(cls, minutes: int, info: ValidationInfo) -> int:
        window = info.data.get("window_minutes")
        if window is not None and minutes > window:
            raise ValueError(
                f"expected at most window_minutes ({window}), "
                "otherwise mentions between two checks are never judged"
            )
        return minutes


class CollectionRule(ConfigModel):
    """When a source that normally yields posts returns none, or fails, for several runs in a row ("collection stalled")."""

    id: Slug
    kind: Literal["collection_stalled"] = "collection_stalled"
    enabled: bool = True
    sources: UniqueList[Text] = []
    consecutive_runs: int = Field(default=3, ge=1, le=1000)
    lookback_hours: int = Field(default=168, ge=1, le=24 * 90)
    min_productive_share: float = Field(default=0.5, ge=0.0, le=1.0)
    check_every_minutes: int = Field(default=60, ge=1, le=1440)
    channels: list[Channel] = []


class BrandsFile(ConfigModel):
    """brands.yaml."""

    brands: list[Brand] = Field(min_length=1)


class TopicsFile(ConfigModel):
    """topics.yaml."""

    topics: list[Topic] = Field(min_length=1)
    signals: list[Topic] = Field(min_length=1)
    complaint_cues: UniqueList[Text] = []


class AlertsFile(ConfigModel):
    """alerts.yaml."""

    alert_rules: list[AlertRule] = []
    collection_rules: list[CollectionRule] = []
