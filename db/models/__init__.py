"""All models, importable from one place (Alembic's autogenerate reads ``Base.metadata`` from here)."""

from db.base import Base
from db.models.audit import AuditLog
from db.models.crawl import CrawlRun, CrawlRunStatus
from db.models.detection import Detection
from db.models.document import Document, DocumentStatus
from db.models.frontier import FrontierEntry, FrontierState
from db.models.issue import Issue, IssueStatus
from db.models.region import Agency, Region, Route
from db.models.report import Report, ReportStatus
from db.models.source import Source, SourceState
from db.models.user import Role, User

__all__ = [
    "Agency",
    "AuditLog",
    "Base",
    "CrawlRun",
    "CrawlRunStatus",
    "Detection",
    "Document",
    "DocumentStatus",
    "FrontierEntry",
    "FrontierState",
    "Issue",
    "IssueStatus",
    "Region",
    "Report",
    "ReportStatus",
    "Role",
    "Route",
    "Source",
    "SourceState",
    "User",
]
