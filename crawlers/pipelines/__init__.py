"""Item pipelines, one per file, run in this order:

1. ``canonicalize``: the canonical URL (courlan: lower-case host, no fragment, no tracking parameters).
2. ``dedupe``: drop a page already stored for the source, or seen earlier in this crawl.
3. ``extract``: decode and extract title, text, date and author with trafilatura; quarantine on failure.
4. ``validate``: required fields and minimum text; quarantine what is unusable, count valid fields.
5. ``persist``: write the Document (kept or quarantined, never lost), raw page gzip-compressed.

Each counts what it does in namespaced stats (``pantau/<pipeline>/...``).
"""
