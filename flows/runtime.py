"""Everything one cycle needs, built once from the settings: catalog, database, model."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.catalog import Catalog, load_catalog
from config.settings import Settings
from db.session import make_engine, session_factory
from nlp.rules import compile_rules

if TYPE_CHECKING:  # loaded when first used: a crawl or a listing never pays for the model's libraries
    from flows.console_config import ConsoleConfig
    from nlp.model import ComplaintModel
    from nlp.registry import ModelRegistry
    from nlp.triage import Triager


@dataclass
class Runtime:
    settings: Settings
    base_url: str | None = None  # the value of __BASE_URL__ in the sources file (demo and tests)

    @cached_property
    def catalog(self) -> Catalog:
        """The configuration, its rule queries compiled too: every command that works from it (init, run,
        demo, triage) stops here, before the database or a crawl, on a bad file or a query that does not
        parse."""
        catalog = load_catalog(self.settings.config_dir, self.settings.sources_file, self.base_url)
        compile_rules(catalog)
        return catalog

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def registry(self) -> ModelRegistry:
        """The trained models under ``var_dir/models`` and which is active (``nlp.registry``)."""
        from nlp.registry import ModelRegistry

        return ModelRegistry(self.settings.var_dir / "models", self.settings.model_path)

    @cached_property
    def model(self) -> ComplaintModel:
        """The active model: the last one promoted (``pantau model promote``), else the bundled one."""
        from nlp.model import ComplaintModel

        return ComplaintModel.load(self.registry.active_path())

    @cached_property
    def triager(self) -> Triager:
        from nlp.triage import Triager

        triager = Triager(
            self.model, self.catalog, self.settings.complaint_threshold, self.settings.review_threshold
        )
        # the model, gazetteers and rules live as long as the process: keeping their millions of objects out
        # of every garbage collection made triage about 10% faster (bench/triage_bench.py)
        gc.freeze()
        return triager

    @cached_property
    def console_config(self) -> ConsoleConfig:
        """Which console changes (routes, watchlists) the triager has taken (``flows.console_config``)."""
        from flows.console_config import ConsoleConfig

        return ConsoleConfig()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
