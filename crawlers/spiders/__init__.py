"""Spiders. ``news`` is the config-driven base for news sites; a source with quirks gets its own small
subclass named after its slug (``crawlers/spiders/<slug>.py``)."""
