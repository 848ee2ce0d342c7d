"""Scrapy settings: polite by default, with Pantau's values from its typed settings (env ``PANTAU_*``)."""

from __future__ import annotations

from config.settings import get_settings

_pantau = get_settings()

BOT_NAME = "pantau"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = _pantau.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# A floor of 1 ms: with no delay at all and one request at a time per site, Scrapy 2.19's downloader stalls
# between requests (60 pages of one local site took 2.1 s instead of 0.12 s, measured with a bare spider);
# with any delay the next request is scheduled on time. 1 ms costs nothing on a real site.
DOWNLOAD_DELAY = max(_pantau.download_delay, 0.001)
# AutoThrottle spaces requests from the download delay up; with no delay asked for (a local mirror, a race
# on loopback) it would still add the site's latency before each request
AUTOTHROTTLE_ENABLED = _pantau.download_delay > 0
AUTOTHROTTLE_START_DELAY = max(_pantau.download_delay, 0.1)
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = _pantau.max_page_bytes
DOWNLOAD_WARNSIZE = _pantau.max_page_bytes // 2
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's HTTP control server (it runs code sent to it): never opened
REFERRER_POLICY = "no-referrer"  # the sites Pantau reads learn nothing of where it came from
FEED_EXPORT_ENCODING = "utf-8"
# Pantau dedupes pages itself (the frontier, canonical URLs). Scrapy's filter would drop a request silently,
# without an errback: the second hop of a redirect loop, or two articles redirected to one page, would vanish
# uncounted. Without it a redirect loop ends in "max redirections reached", which is counted.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
# warnings and errors only: the flow keeps the crawl child's last error line and reads the counters from the
# stats file; Scrapy's INFO lines (component lists and stats dumps, per source) only cost start-up time
LOG_LEVEL = "WARNING"
# items are processed this many at a time per response; Scrapy's 100 starts 100 asyncio tasks for every
# response's output, and each article response yields one item
CONCURRENT_ITEMS = 16

# One pipeline per file, in this order (see crawlers/pipelines/__init__.py).
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.conditional_get.ConditionalGetMiddleware": 560,
    # nearer the downloader than RetryMiddleware (550): sees the 429/503 before it is turned into a retry
    "crawlers.middlewares.back_off.BackOffMiddleware": 555,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.canonicalize.CanonicalizePipeline": 100,
    "crawlers.pipelines.dedupe.DedupePipeline": 200,
    "crawlers.pipelines.extract.ExtractPipeline": 300,
    "crawlers.pipelines.validate.ValidatePipeline": 400,
    "crawlers.pipelines.persist.PersistPipeline": 900,
}

PANTAU_DATABASE_URL = _pantau.resolved_database_url
PANTAU_MAX_ARTICLES = _pantau.max_articles_per_source
PANTAU_CRAWL_RUN_ID = None
PANTAU_BASE_URL = None
PANTAU_PROBE = False  # `pantau sources test`: one article, nothing stored
PANTAU_EXTRACTION_WORKERS = _pantau.extraction_workers
PANTAU_FRONTIER_MAX_ATTEMPTS = _pantau.frontier_max_attempts
PANTAU_FRONTIER_RETRY_MINUTES = _pantau.frontier_retry_minutes
