"""All models, importable from one place (Alembic's autogenerate reads ``Base.metadata`` from here)."""

from db.base import Base
from db.models.audit import AuditLog
from db.models.console import ConfigSnapshot, WatchlistVersion
from db.models.crawl import CrawlRun, CrawlRunStatus
from db.models.detection import Detection
from db.models.document import Document, DocumentStatus
from db.models.feedback import FeedbackLabel
from db.models.frontier import FrontierEntry, FrontierState
from db.models.issue import Issue, IssueStatus
from db.models.outbox import DeadlineAlert, DeliveryState, Filing, LaporBreaker, Notification
from db.models.region import Agency, Region, Route
from db.models.report import Attachment, FollowUp, RejectReason, Report, ReportStatus
from db.models.source import Source, SourceState
from db.models.user import ApiToken, Role, User

__all__ = [
    "Agency",
    "ApiToken",
    "Attachment",
    "AuditLog",
    "Base",
    "ConfigSnapshot",
    "CrawlRun",
    "CrawlRunStatus",
    "DeadlineAlert",
    "DeliveryState",
    "Detection",
    "Document",
    "DocumentStatus",
    "FeedbackLabel",
    "Filing",
    "FollowUp",
    "FrontierEntry",
    "FrontierState",
    "Issue",
    "IssueStatus",
    "LaporBreaker",
    "Notification",
    "Region",
    "RejectReason",
    "Report",
    "ReportStatus",
    "Role",
    "Route",
    "Source",
    "SourceState",
    "User",
    "WatchlistVersion",
]
