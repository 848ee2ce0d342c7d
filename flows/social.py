"""Social service: read each social source's new public posts through its connector and store them as
Documents (author hashed, permalink, posted time, engagement), so they go through the same triage as news.

A connector without credentials is reported as not configured; a rate limit, an expired token or a bad
response is reported for that source alone, and a rate-limited source is not called again before the time
the platform gave. Nothing fails the cycle (a connector's own fault is reported like a bad response), and
the cursor only moves forward after the posts are stored, so a failed run is simply read again next cycle.
Each source's counters say how many items it read, which it skipped and why (``base.SKIP_REASONS``; a post
stored by an earlier run is skipped as already read) and what failed.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from config.catalog import Catalog
from config.schema import Platform, SourceDef
from config.settings import Settings
from crawlers.social.base import Connector, ConnectorError, NotConfigured, Post, RateLimited, redact_secrets
from crawlers.social.facebook import FacebookPage
from crawlers.social.instagram import InstagramHashtag
from crawlers.social.telegram import TelegramChannel
from crawlers.social.x import XRecentSearch, search_query
from crawlers.social.youtube import YouTubeComments
from db.base import utcnow
from db.models import CrawlRun, Document, DocumentStatus, Source
from db.queries import document_exists
from db.session import transaction
from db.source_state import cursor, remember_cursor, remember_retry_after, retry_after
from flows.runtime import Runtime
from nlp.text import content_hash

LOG = logging.getLogger(__name__)
READ = "pantau/social/read"  # a source's counter: the items the platform gave this run
SKIPPED = "pantau/social/skipped/"  # + reason (crawlers.social.base.SKIP_REASONS): the items not stored


@dataclass
class SocialSummary:
    stored: Counter[str] = field(default_factory=Counter)  # by source slug
    already_stored: int = 0
    read: Counter[str] = field(default_factory=Counter)  # items the platform gave, by source slug
    skipped: dict[str, Counter[str]] = field(default_factory=dict)  # slug -> reason -> items
    not_configured: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why (rate limit with its time, auth, ...)
    failure_kinds: dict[str, str] = field(default_factory=dict)  # slug -> rate_limited, AuthExpired, ...


def x_terms(source: SourceDef, catalog: Catalog) -> list[str]:
    """What an X search of a source looks for: its own terms, then the kecamatan names of its region."""
    region = catalog.regions[source.region]
    return [*source.terms, *(kecamatan.name for kecamatan in region.gazetteer.kecamatan)]


def connector(source: SourceDef, catalog: Catalog, settings: Settings) -> Connector:
    """The connector of a social source, with its credentials from the settings (empty: not configured)."""
    key = settings.handle_hash_key.get_secret_value()
    base = str(source.url).rstrip("/")
    graph_token = settings.facebook_access_token.get_secret_value()
    if source.platform == Platform.X:
        query = search_query(x_terms(source, catalog), lang=source.language)
        return XRecentSearch(query, settings.x_bearer_token.get_secret_value(), key, base_url=base)
    if source.platform == Platform.TELEGRAM:
        channel = base.rsplit("/", 1)[-1]
        return TelegramChannel(channel, key, base_url=base.split("/s/")[0])
    account = source.account or ""
    if source.platform == Platform.YOUTUBE:
        return YouTubeComments(account, settings.youtube_api_key.get_secret_value(), key, base_url=base)
    version = settings.graph_api_version
    if source.platform == Platform.FACEBOOK:
        return FacebookPage(account, graph_token, key, base_url=base, graph_version=version)
    if source.platform == Platform.INSTAGRAM:
        user = settings.instagram_user_id
        return InstagramHashtag(account, user, graph_token, key, base_url=base, graph_version=version)
    raise ValueError(f"{source.slug}: {source.platform} is not a social platform")


def _document(source_id: int, post: Post) -> Document:
    return Document(
        source_id=source_id,
        url=post.permalink,
        canonical_url=post.permalink,
        status=DocumentStatus.OK,
        http_status=200,
        text=post.text,
        author_hash=post.author_hash,
        engagement=dict(post.engagement),
        published_at=post.posted_at,
        fetched_at=utcnow(),
        content_hash=content_hash(post.text),
        language="id",
    )


def _counters(summary: SocialSummary, slug: str, called: bool) -> dict[str, int]:
    """A source's counters in the form crawls use, so source health reads social sources the same way."""
    counters: dict[str, int] = {}
    if called:
        counters["downloader/request_count"] = 1
    if summary.stored.get(slug):
        counters["pantau/persist/ok"] = summary.stored[slug]
    if called and slug not in summary.failure_kinds:
        counters[READ] = summary.read.get(slug, 0)
    for reason, count in summary.skipped.get(slug, Counter()).items():
        counters[f"{SKIPPED}{reason}"] = count
    if slug in summary.failure_kinds:
        counters[f"pantau/fetch_failed/{summary.failure_kinds[slug]}"] = 1
    if slug in summary.not_configured:
        counters["pantau/not_configured"] = 1
    return counters


def collect_social(runtime: Runtime, sources: list[SourceDef]) -> SocialSummary:
    """Read and store the new posts of every social source in ``sources``; the run is recorded as a CrawlRun
    with per-source counters."""
    summary = SocialSummary()
    called: set[str] = set()
    with transaction(runtime.sessions) as session:
        run = CrawlRun(sources=[source.slug for source in sources])
        session.add(run)
        session.flush()
        run_id = run.id
    settings = runtime.settings
    for source in sources:
        with runtime.sessions() as session:
            since = cursor(session, source.slug)
            waiting = retry_after(session, source.slug)
        if waiting is not None and waiting > utcnow():
            summary.failed[source.slug] = (
                f"rate limited until {waiting.isoformat(timespec='minutes')}; not called"
            )
            continue
        try:
            reader = connector(source, runtime.catalog, settings)
            called.add(source.slug)
            page = reader.fetch(since, settings.social_posts_per_source)
        except NotConfigured:
            called.discard(source.slug)  # the connector refuses before any request
            summary.not_configured.append(source.slug)
            continue
        except RateLimited as exc:
            summary.failed[source.slug] = f"rate limited until {exc.retry_at.isoformat(timespec='minutes')}"
            summary.failure_kinds[source.slug] = "rate_limited"
            with transaction(runtime.sessions) as session:
                remember_retry_after(session, source.slug, exc.retry_at)
            continue
        except ConnectorError as exc:
            summary.failed[source.slug] = f"{type(exc).__name__}: {exc}"[:300]
            summary.failure_kinds[source.slug] = type(exc).__name__
            continue
        except Exception as exc:  # a connector's own fault: this source fails, the cycle goes on
            why = redact_secrets(f"{type(exc).__name__}: {exc}")
            LOG.error("social source %s failed unexpectedly: %s", source.slug, why)
            summary.failed[source.slug] = why[:300]
            summary.failure_kinds[source.slug] = "ConnectorFault"
            continue
        summary.read[source.slug] = page.read
        skipped = summary.skipped.setdefault(source.slug, Counter(page.skipped))
        with transaction(runtime.sessions) as session:
            source_id = session.scalars(select(Source.id).where(Source.slug == source.slug)).one()
            seen: set[str] = set()
            for post in page.posts:
                if post.permalink in seen or document_exists(session, source.slug, post.permalink):
                    summary.already_stored += 1
                    skipped["already_read"] += 1
                    continue
                seen.add(post.permalink)
                session.add(_document(source_id, post))
                summary.stored[source.slug] += 1
            remember_cursor(session, source.slug, page.cursor or since)
            remember_retry_after(session, source.slug, None)
    with transaction(runtime.sessions) as session:
        stored_run = session.get_one(CrawlRun, run_id)
        stored_run.finished_at = utcnow()
        stored_run.status = "succeeded"
        stored_run.stats = {
            source.slug: _counters(summary, source.slug, source.slug in called) for source in sources
        }
    return summary
