"""The shape of Pantau's YAML data, as pydantic models (what each file may contain)."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, StringConstraints

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{2}){1,2}(\.\d{4})?$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> str:
    """A day as ``YYYY-MM-DD`` text, from a YAML date (``2026-12-24``) or a quoted one (``'2026-12-24'``)."""
    if isinstance(value, datetime):
        raise ValueError(f"a date without a time is expected, not {value.isoformat(sep=' ')}")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"not a date in the form YYYY-MM-DD: {value!r}")
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a date: {value!r} ({exc})") from None
        return value
    raise ValueError(f"a date (YYYY-MM-DD) is expected, not {value!r}")


IsoDate = Annotated[str, BeforeValidator(_iso_date)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FunctionDef(_Strict):
    """One function of the taxonomy: what broke."""

    code: Code
    name: str
    lapor_category: str = Field(description="Kategori used when the report is filed into LAPOR!")
    urgent: bool = False
    parent: Code | None = Field(
        default=None,
        description="A code of ../shared/domain.md's taxonomy this one refines; used where a routing table "
        "knows only those codes",
    )


class FunctionsFile(_Strict):
    functions: list[FunctionDef] = Field(min_length=1)


class AgencyKind(StrEnum):
    OPD = "opd"  # a regional agency (SKPD/OPD) of this government
    ADMIN = "admin"  # the complaint-handling unit itself (Diskominfo)
    KEWILAYAHAN = "kewilayahan"  # kecamatan / kelurahan offices
    VERTIKAL = "vertikal"  # a body outside the regional government: PLN, BPJS, police, national roads


Email = Annotated[str, StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$", max_length=254)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Rung = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class ContactDef(_Strict):
    """Where notifications for one person or desk go: e-mail, a signed webhook, a Telegram chat."""

    name: str = ""
    email: list[Email] = Field(default_factory=list)
    webhook_url: HttpUrl | None = None
    webhook_secret_env: EnvName | None = Field(
        default=None, description="Environment variable holding the webhook's HMAC secret"
    )
    telegram_chat_id: str | None = Field(default=None, pattern=r"^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$")


class AgencyDef(_Strict):
    code: Code
    name: str
    short_name: str
    kind: AgencyKind = AgencyKind.OPD
    canonical: Code = Field(description="Canonical agency code (label_maps/agency_map.json) for evaluation")
    contacts: dict[Rung, ContactDef] = Field(
        default_factory=dict, description="Rung -> contact: liaison (pejabat penghubung), kepala_dinas, ..."
    )


class Deadlines(_Strict):
    """Per-region deadlines; working days exclude weekends, national holidays and extra_holidays."""

    verification_working_days: int = Field(ge=1, le=30)
    first_followup_working_days: int = Field(ge=1, le=30)
    autoclose_working_days: int = Field(ge=1, le=60)
    settlement_days: int = Field(ge=1, le=365)
    postponed_archive_days: int = Field(
        default=30, ge=1, le=365, description="A report on hold (tunda) is archived after these days"
    )


class LaporMode(StrEnum):
    API = "api"  # the Integration API (docs/lapor.md)
    MANUAL = "manual"  # assisted entry: a LAPOR!-ready text, the operator records the tracking ID


class LaporDef(_Strict):
    """How this region's reports reach SP4N-LAPOR!."""

    mode: LaporMode = LaporMode.MANUAL
    base_url: HttpUrl | None = None
    base_url_env: EnvName | None = Field(
        default=None, description="Environment variable that, when set, overrides base_url (staging, tests)"
    )
    token_env: EnvName | None = Field(default=None, description="Environment variable holding the API token")
    timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    breaker_threshold: int = Field(default=5, ge=1, le=100, description="Failures in a row that open it")
    breaker_cool_down_minutes: int = Field(default=10, ge=1, le=1440)


class EscalationStepDef(_Strict):
    """One rung of the ladder: notified once when a deadline is this many working days overdue."""

    after_working_days: int = Field(ge=0, le=60)
    notify: Rung = Field(description="An agency contact rung (liaison, kepala_dinas) or a region contact")


class WatchlistDef(_Strict):
    """A keyword watchlist Diskominfo keeps (query language: docs/watchlists.md)."""

    name: str = Field(min_length=1, max_length=100)
    query: str = Field(min_length=1)
    priority: int = Field(default=1, ge=1, le=5, description="Added to a matching item's priority")


class VerticalRuleDef(_Strict):
    """Texts matching ``query`` belong to a body outside the regional government (instansi vertikal)."""

    agency: Code
    query: str = Field(min_length=1)
    functions: list[Code] = Field(default_factory=list, description="Only for these functions (empty: any)")


class UrgencyRuleDef(_Strict):
    """Danger to life or property: a matching complaint is urgent."""

    name: str = Field(min_length=1, max_length=100)
    query: str = Field(min_length=1)


class UrgencyFile(_Strict):
    rules: list[UrgencyRuleDef] = Field(min_length=1)


class RegionDef(_Strict):
    code: RegionCode
    name: str
    short_name: str
    province: str
    timezone: str
    brand: str = Field(default="SP4N-LAPOR!", description="Local name of the complaint channel")
    admin_agency: Code = Field(description="Agency code of the complaint-handling unit")
    deadlines: Deadlines
    extra_holidays: list[IsoDate] = Field(
        default_factory=list,
        description="Local days off (YYYY-MM-DD, quoted or not); cuti bersama ship in cuti_bersama.yaml",
    )
    gazetteer: str = Field(description="File under wilayah/ with the region's kecamatan and desa")
    agencies: list[AgencyDef] = Field(min_length=1)
    routes: dict[Code, Code] = Field(description="function code -> agency code")
    vertical: list[VerticalRuleDef] = Field(default_factory=list)
    watchlists: list[WatchlistDef] = Field(default_factory=list)
    lapor: LaporDef = Field(default_factory=LaporDef)
    contacts: dict[Rung, ContactDef] = Field(
        default_factory=dict, description="Region-level contacts: manager (Diskominfo), sekda, ..."
    )
    escalation: list[EscalationStepDef] = Field(
        default_factory=list, description="Who hears of an overdue report, in order"
    )


class DesaDef(_Strict):
    code: RegionCode
    name: str
    kind: str = Field(pattern=r"^(desa|kelurahan)$")
    aliases: list[str] = Field(default_factory=list)


class KecamatanDef(_Strict):
    code: RegionCode
    name: str
    aliases: list[str] = Field(default_factory=list)
    desa: list[DesaDef] = Field(default_factory=list)


class GazetteerFile(_Strict):
    region: RegionCode
    name: str
    source: str
    kecamatan: list[KecamatanDef] = Field(min_length=1)


class Platform(StrEnum):
    RSS = "rss"  # RSS or Atom feed
    SITEMAP = "sitemap"  # (news) sitemap
    LISTING = "listing"  # an HTML listing page with article links
    WORDPRESS = "wordpress"  # a WordPress REST API posts endpoint (/wp-json/wp/v2/posts)
    X = "x"  # X API v2 recent search (url: the API base; terms + the region's kecamatan names)
    TELEGRAM = "telegram"  # a public Telegram channel's web preview (url: https://t.me/s/<channel>)
    YOUTUBE = (
        "youtube"  # YouTube Data API v3 comment threads of a channel (url: API base; account: channel id)
    )
    FACEBOOK = "facebook"  # Graph API posts and comments of a page (url: API base; account: page id)
    INSTAGRAM = "instagram"  # Graph API recent media of a hashtag (url: API base; account: the hashtag)

    @property
    def is_social(self) -> bool:
        return self in _SOCIAL


_SOCIAL = frozenset({Platform.X, Platform.TELEGRAM, Platform.YOUTUBE, Platform.FACEBOOK, Platform.INSTAGRAM})


class SourceDef(_Strict):
    slug: Slug
    name: str
    region: RegionCode
    platform: Platform
    url: HttpUrl
    article_pattern: str | None = Field(default=None, description="Regex an article URL must match")
    language: str = "id"
    enabled: bool = True
    terms: list[str] = Field(default_factory=list, description="X search terms, besides the region's places")
    account: str | None = Field(
        default=None,
        description="YouTube channel id, Facebook page id or Instagram hashtag of a social source",
    )

    def article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None


class SourcesFile(_Strict):
    sources: list[SourceDef] = Field(default_factory=list)
