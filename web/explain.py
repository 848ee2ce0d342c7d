"""An explanation as the operator reads it: the mention's text with the words that made Pantau flag it
highlighted by spaCy's displaCy (manual mode, no model), styled by the console's stylesheet.

displaCy's entity renderer writes ``style=`` attributes, which the console's Content Security Policy
(``style-src 'self'``) would block: each highlight is rendered with our own template (classes instead of
inline styles, the label's colour named by a class), and the one wrapper ``style`` displaCy always writes is
removed. displaCy escapes the text (``&``, ``<``, ``>``, ``"``) before it places it in the markup; the labels
and class names it places unescaped are ours (``services.incidents.LABELS`` and ``CLASSES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup
from spacy import displacy

from flows.runtime import Runtime
from services.incidents import (
    PLACE,
    STREET,
    TERM,
    URGENT,
    VERTICAL,
    WATCHLIST,
    IncidentView,
    Span,
    incident_view,
)
from services.reports import Viewer

# the CSS class of each label's colour (web/static/pantau.css, "The incident page"); displaCy puts it
# where its own template has the background colour
CLASSES = {
    TERM: "keluhan",
    PLACE: "tempat",
    STREET: "jalan",
    URGENT: "mendesak",
    WATCHLIST: "watchlist",
    VERTICAL: "vertikal",
}
TEMPLATE = '<mark class="entity entity-{bg}">{text}<span class="entity-label">{label}</span></mark>'
STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')  # a literal quote never comes from the text: it is escaped


def explained(text: str, spans: list[Span]) -> Markup:
    """``text`` as HTML with ``spans`` highlighted (sorted, not overlapping), safe to place in a page."""
    markup = displacy.render(
        [
            {
                "text": text,
                "ents": [{"start": s.start, "end": s.end, "label": s.label} for s in spans],
                "title": None,
            }
        ],
        style="ent",
        manual=True,
        page=False,
        options={"colors": CLASSES, "template": TEMPLATE},
    )
    # Safe: every piece of text in it was escaped by displaCy (see the module docstring and
    # tests/services/test_incidents.py), and what is not text is our own template, labels and classes.
    return Markup(STYLE_ATTRIBUTE.sub("", markup).strip())


@dataclass(frozen=True)
class IncidentPage:
    """What the report page shows an operator or manager of the incident: the view and its explanation."""

    view: IncidentView
    explanation: Markup | None


def incident_page(runtime: Runtime, report_id: int, viewer: Viewer, mention: str | None) -> IncidentPage:
    """The incident of a report for the people who review it (raw texts included); ``mention`` is the
    page's ``sebutan`` parameter, the detection whose explanation is shown."""
    chosen = int(mention) if mention and mention.isdigit() else None
    view = incident_view(runtime, report_id, viewer, mention=chosen, unredacted=True)
    why = view.explanation
    return IncidentPage(view, explained(why.text, why.spans) if why else None)
