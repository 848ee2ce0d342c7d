"""Typed settings and validated YAML data (regions, agencies, routes, deadlines, sources).

This package imports nothing else of Pantau's: every other package reads its configuration from here.
"""

from config.errors import ConfigError, PantauError
from config.settings import Settings, get_settings

__all__ = ["ConfigError", "PantauError", "Settings", "get_settings"]
