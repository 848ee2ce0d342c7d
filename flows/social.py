"""Social service: read each social source's new public posts through its connector and store them as
Documents (author hashed, permalink, posted time, engagement), so they go through the same triage as news.

A connector without credentials is reported as not configured; a rate limit, an expired token or a bad
response is reported for that source alone, and a rate-limited source is not called again before the time
the platform gave. Nothing fails the cycle, and the cursor only moves forward
after the posts are stored, so a failed run is simply read again next cycle.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from config.catalog import Catalog
from config.schema import Platform, SourceDef
from config.settings import Settings
from crawlers.social.base import Connector, ConnectorError, NotConfigured, Post, RateLimited
from crawlers.social.telegram import TelegramChannel
from crawlers.social.x import XRecentSearch, search_query
from db.base import utcnow
from db.models import Document, DocumentStatus, Source
from db.queries import document_exists
from db.session import transaction
from db.source_state import cursor, remember_cursor, remember_retry_after, retry_after
from flows.runtime import Runtime
from nlp.text import content_hash


@dataclass
class SocialSummary:
    stored: Counter[str] = field(default_factory=Counter)  # by source slug
    already_stored: int = 0
    not_configured: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why (rate limit with its time, auth, ...)


def x_terms(source: SourceDef, catalog: Catalog) -> list[str]:
    """What an X search of a source looks for: its own terms, then the kecamatan names of its region."""
    region = catalog.regions[source.region]
    return [*source.terms, *(kecamatan.name for kecamatan in region.gazetteer.kecamatan)]


def connector(source: SourceDef, catalog: Catalog, settings: Settings) -> Connector:
    key = settings.handle_hash_key.get_secret_value()
    if source.platform == Platform.X:
        query = search_query(x_terms(source, catalog), lang=source.language)
        return XRecentSearch(query, settings.x_bearer_token.get_secret_value(), key, base_url=str(source.url))
    if source.platform == Platform.TELEGRAM:
        channel = str(source.url).rstrip("/").rsplit("/", 1)[-1]
        return TelegramChannel(channel, key, base_url=str(source.url).split("/s/")[0])
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


def collect_social(runtime: Runtime, sources: list[SourceDef]) -> SocialSummary:
    """Read and store the new posts of every social source in ``sources``."""
    summary = SocialSummary()
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
            page = connector(source, runtime.catalog, settings).fetch(since, settings.social_posts_per_source)
        except NotConfigured:
            summary.not_configured.append(source.slug)
            continue
        except RateLimited as exc:
            summary.failed[source.slug] = f"rate limited until {exc.retry_at.isoformat(timespec='minutes')}"
            with transaction(runtime.sessions) as session:
                remember_retry_after(session, source.slug, exc.retry_at)
            continue
        except ConnectorError as exc:
            summary.failed[source.slug] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        with transaction(runtime.sessions) as session:
            source_id = session.scalars(select(Source.id).where(Source.slug == source.slug)).one()
            for post in page.posts:
                if document_exists(session, source.slug, post.permalink):
                    summary.already_stored += 1
                    continue
                session.add(_document(source_id, post))
                summary.stored[source.slug] += 1
            remember_cursor(session, source.slug, page.cursor or since)
            remember_retry_after(session, source.slug, None)
    return summary
