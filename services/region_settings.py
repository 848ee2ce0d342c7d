"""A region's deadlines, escalation ladder and notification contacts as managers keep them in the console.

The values are validated with the same pydantic models as the region YAML (``config.schema``): ``Deadlines``,
``EscalationStepDef``, ``ContactDef`` keyed by a ``Rung``. Every change names its reason and is audited with
before and after, in the same transaction. The deadline watch and the notifications read these fields from
the database, so their next run uses them; a deadline already set on a report keeps its date (deadlines are
computed when a report enters a status). The start-up sync leaves a console edit alone until the YAML itself
changes that field (``db.sync``).

Each form carries a fingerprint of the value it showed; a save whose value changed meanwhile is refused with
who changed it (``Conflict``), never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.schema import ContactDef, Deadlines, EscalationStepDef, Rung
from db import audit
from db.local_time import local_display
from db.models import Agency, AuditLog, Region, Role
from db.session import WriteLockBusy, write_transaction
from flows.runtime import Runtime
from services.actions import ActionError, Actor, Conflict, Forbidden, NotFound

MAX_REASON = 500
DEADLINE_LABELS = {
    "verification_working_days": "Verifikasi dan penerusan oleh admin (hari kerja)",
    "first_followup_working_days": "Tindak lanjut pertama oleh OPD (hari kerja)",
    "settlement_days": "Penyelesaian sejak masuk LAPOR! (hari kalender)",
    "autoclose_working_days": "Tutup otomatis bila pelapor tidak menanggapi tindak lanjut (hari kerja)",
    "postponed_archive_days": "Arsip otomatis laporan yang ditunda (hari kalender)",
}
CONTACT_FIELDS = {
    "name": "Nama",
    "email": "E-mail",
    "webhook_url": "Alamat webhook",
    "webhook_secret_env": "Variabel lingkungan rahasia webhook",
    "telegram_chat_id": "ID obrolan Telegram",
}
# how the console names the usual rungs (others show their own name)
RUNG_LABELS = {
    "liaison": "pejabat penghubung OPD",
    "kepala_dinas": "kepala dinas",
    "manager": "pengelola pengaduan (Diskominfo)",
    "sekda": "sekretaris daerah",
}
ESCALATION_FIELDS = {"after_working_days": "Hari kerja lewat tenggat", "notify": "Yang diberi tahu"}
_CONTACTS = TypeAdapter(dict[Rung, ContactDef])
_LADDER = TypeAdapter(list[EscalationStepDef])
_RUNG = TypeAdapter(Rung)
_EMAIL_SPLIT = re.compile(r"[\s,;]+")


class SettingsRefused(ActionError):
    """A value that the region's configuration does not allow; the message says which and why."""


# -- reading -------------------------------------------------------------------------------------------------


def fingerprint(value: Any) -> str:
    """A short digest of a stored value: what a form showed, checked again when it is saved."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DeadlineField:
    key: str
    label: str
    value: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Contact:
    rung: str
    name: str
    email: list[str]
    webhook_url: str | None
    webhook_secret_env: str | None
    telegram_chat_id: str | None


@dataclass(frozen=True)
class AgencyContacts:
    id: int
    code: str
    name: str
    contacts: list[Contact]
    version: str  # fingerprint of the agency's contacts


@dataclass(frozen=True)
class RegionSettings:
    code: str
    name: str
    deadlines: list[DeadlineField]
    deadlines_version: str
    escalation: list[EscalationStepDef]
    escalation_version: str
    contacts: list[Contact]
    contacts_version: str
    agencies: list[AgencyContacts]
    rungs: list[str]  # every rung a ladder step may name
    feedback_consent: bool = False  # operators' decisions here may train the shared model
    feedback_consent_version: str = ""


def _bounds(key: str) -> tuple[int, int]:
    low, high = 1, 365
    for rule in Deadlines.model_fields[key].metadata:
        low = int(getattr(rule, "ge", low))
        high = int(getattr(rule, "le", high))
    return low, high


def _contacts(stored: Mapping[str, Any]) -> list[Contact]:
    parsed = _CONTACTS.validate_python(dict(stored))
    return [
        Contact(
            rung=rung,
            name=c.name,
            email=list(c.email),
            webhook_url=str(c.webhook_url) if c.webhook_url else None,
            webhook_secret_env=c.webhook_secret_env,
            telegram_chat_id=c.telegram_chat_id,
        )
        for rung, c in sorted(parsed.items())
    ]


def _agency_view(agency: Agency) -> AgencyContacts:
    return AgencyContacts(
        agency.id, agency.code, agency.short_name, _contacts(agency.contacts), fingerprint(agency.contacts)
    )


def _known_rungs(region_contacts: Iterable[str], agency_contacts: Iterable[Iterable[str]]) -> set[str]:
    """The rungs a ladder step may name: the region's contacts, any agency's, and the liaison (as the
    catalog checks the YAML: config.catalog)."""
    return {"liaison", *region_contacts, *(rung for contacts in agency_contacts for rung in contacts)}


def _active_agencies(session: Session, region_id: int) -> list[Agency]:
    query = select(Agency).where(Agency.region_id == region_id, Agency.active).order_by(Agency.short_name)
    return list(session.scalars(query))


def region_settings(runtime: Runtime, region_id: int) -> RegionSettings:
    """The region's deadlines, ladder and contacts (its own and each active agency's) for the forms."""
    with runtime.sessions() as session:
        region = session.get_one(Region, region_id)
        agencies = _active_agencies(session, region_id)
        deadlines = Deadlines.model_validate(region.deadlines).model_dump()
        return RegionSettings(
            code=region.code,
            name=region.name,
            deadlines=[
                DeadlineField(key, DEADLINE_LABELS[key], deadlines[key], *_bounds(key))
                for key in DEADLINE_LABELS
            ],
            deadlines_version=fingerprint(region.deadlines),
            escalation=_LADDER.validate_python(region.escalation),
            escalation_version=fingerprint(region.escalation),
            contacts=_contacts(region.contacts),
            contacts_version=fingerprint(region.contacts),
            agencies=[_agency_view(a) for a in agencies],
            rungs=sorted(_known_rungs(region.contacts, [a.contacts for a in agencies])),
            feedback_consent=region.feedback_consent,
            feedback_consent_version=fingerprint(region.feedback_consent),
        )


def _agency(session: Session, region_id: int, agency_id: int, *, lock: bool = False) -> Agency:
    query = select(Agency).where(Agency.id == agency_id, Agency.region_id == region_id)
    agency = session.scalar(query.with_for_update() if lock else query)
    if agency is None:
        raise NotFound(f"OPD {agency_id} tidak ada di wilayah ini")
    return agency


def agency_contacts(runtime: Runtime, region_id: int, agency_id: int) -> AgencyContacts:
    """One agency's contacts; NotFound for an agency of another region (as if it did not exist)."""
    with runtime.sessions() as session:
        return _agency_view(_agency(session, region_id, agency_id))


# -- validation messages in the manager's language ---------------------------------------------------------

_MESSAGES = {
    "missing": "wajib diisi",
    "int_parsing": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat",
    "int_type": "harus bilangan bulat",
    "greater_than_equal": "paling kecil {ge}",
    "less_than_equal": "paling besar {le}",
    "greater_than": "harus lebih dari {gt}",
    "string_pattern_mismatch": "bentuknya tidak sah",
    "string_too_long": "terlalu panjang (paling banyak {max_length} karakter)",
    "url_parsing": "bukan alamat URL yang sah",
    "url_scheme": "alamat harus diawali http:// atau https://",
    "extra_forbidden": "kolom tidak dikenal",
}


def _explain(error: ValidationError, labels: Mapping[str, str]) -> str:
    """A pydantic refusal in Bahasa Indonesia: "Verifikasi ... (hari kerja): paling besar 30"."""
    parts = []
    for problem in error.errors():
        names: list[str] = []
        for part in problem["loc"]:
            if isinstance(part, int) and names:
                names[-1] += f" ke-{part + 1}"  # "E-mail ke-2"
            elif isinstance(part, int):
                names.append(f"baris ke-{part + 1}")
            else:
                names.append(labels.get(part, part))
        message = _MESSAGES.get(problem["type"], problem["msg"]).format(**problem.get("ctx", {}))
        parts.append(f"{', '.join(names) or 'nilai'}: {message}")
    return "; ".join(parts)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise SettingsRefused("alasan perubahan wajib diisi")
    if len(reason) > MAX_REASON:
        raise SettingsRefused(f"alasan perubahan paling panjang {MAX_REASON} karakter")
    return reason


def _require_manager(actor: Actor) -> None:
    if actor.role != Role.MANAGER:
        raise Forbidden(f"{actor.name} ({actor.role or 'sistem'}) tidak boleh mengubah pengaturan wilayah")


# -- changing ------------------------------------------------------------------------------------------------


def _last_change(session: Session, entity: Region | Agency, field: str) -> str:
    """Who last changed ``field`` of ``entity``, and when: "user:budi, 2026-12-01 10:02 WITA"."""
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == type(entity).__tablename__, AuditLog.entity_id == entity.id)
        .order_by(AuditLog.id.desc())
        .limit(50)
    )
    timezone = entity.timezone if isinstance(entity, Region) else entity.region.timezone
    for row in rows:
        if field in (row.after or {}):
            return f"{row.actor}, {local_display(row.at, timezone)}"
    return "orang lain"


def _save(
    session: Session,
    entity: Region | Agency,
    field: str,
    value: Any,
    *,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """Write ``value`` into ``entity.field`` if the field still holds what the form showed; audited."""
    before = getattr(entity, field)
    if fingerprint(before) != expected:
        who = _last_change(session, entity, field)
        raise Conflict(f"sudah diubah oleh {who} sejak halaman ini dibuka; muat ulang lalu coba lagi")
    if before == value:
        raise SettingsRefused("tidak ada yang berubah")
    setattr(entity, field, value)
    audit.record(
        session,
        actor=actor.name,
        entity=entity,
        action="update",
        before={field: before},
        after={field: value},
        reason=reason,
    )


def _locked_region(session: Session, region_id: int) -> Region:
    return session.scalars(select(Region).where(Region.id == region_id).with_for_update()).one()


@contextmanager
def _write(runtime: Runtime) -> Iterator[Session]:
    """A write transaction; a SQLite lock held too long by another writer reads as a refusal."""
    try:
        with write_transaction(runtime.sessions) as session:
            yield session
    except WriteLockBusy:
        raise ActionError("basis data sedang dipakai penulis lain; coba lagi sebentar lagi") from None


def update_deadlines(
    runtime: Runtime,
    region_id: int,
    values: Mapping[str, str | int],
    *,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """New deadline lengths for the region; reports get them when their next deadline is set."""
    _require_manager(actor)
    reason = _reason(reason)
    try:
        deadlines = Deadlines.model_validate({k: v for k, v in values.items() if k in DEADLINE_LABELS})
    except ValidationError as invalid:
        raise SettingsRefused(_explain(invalid, DEADLINE_LABELS)) from None
    with _write(runtime) as session:
        region = _locked_region(session, region_id)
        value = deadlines.model_dump(mode="json")
        _save(session, region, "deadlines", value, expected=expected, actor=actor, reason=reason)


def update_escalation(
    runtime: Runtime,
    region_id: int,
    steps: Sequence[tuple[str, str]],
    *,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """A new escalation ladder from (working days overdue, rung) pairs; blank pairs are dropped and the steps
    are put in order of their days. Each rung must be a contact the region or one of its agencies has."""
    _require_manager(actor)
    reason = _reason(reason)
    wanted = [
        {"after_working_days": days.strip(), "notify": rung.strip()}
        for days, rung in steps
        if days.strip() or rung.strip()
    ]
    try:
        ladder = sorted(_LADDER.validate_python(wanted), key=lambda step: step.after_working_days)
    except ValidationError as invalid:
        raise SettingsRefused(_explain(invalid, ESCALATION_FIELDS)) from None
    with _write(runtime) as session:
        region = _locked_region(session, region_id)
        agencies = _active_agencies(session, region_id)
        known = _known_rungs(region.contacts, [a.contacts for a in agencies])
        unknown = sorted({step.notify for step in ladder} - known)
        if unknown:
            raise SettingsRefused(
                f"tidak ada kontak bernama {', '.join(unknown)} di wilayah ini; tambahkan kontaknya dulu"
            )
        value = [step.model_dump(mode="json") for step in ladder]
        _save(session, region, "escalation", value, expected=expected, actor=actor, reason=reason)


def contact_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """A contact as the form gives it (e-mails separated by commas, spaces or lines; blanks are none)."""
    emails = [e for e in _EMAIL_SPLIT.split(form.get("email", "")) if e]
    optional = ("webhook_url", "webhook_secret_env", "telegram_chat_id")
    return {
        "name": form.get("name", "").strip(),
        "email": emails,
        **{key: form.get(key, "").strip() or None for key in optional},
    }


def _rung(rung: str) -> str:
    try:
        return _RUNG.validate_python(rung.strip())
    except ValidationError:
        raise SettingsRefused(
            f"nama kontak {rung.strip()!r} tidak sah: huruf kecil, angka dan garis bawah, diawali huruf "
            "(misalnya kepala_dinas)"
        ) from None


def _holder(session: Session, region_id: int, agency_id: int | None) -> Region | Agency:
    if agency_id is None:
        return _locked_region(session, region_id)
    return _agency(session, region_id, agency_id, lock=True)


def save_contact(
    runtime: Runtime,
    region_id: int,
    rung: str,
    contact: Mapping[str, Any],
    *,
    agency_id: int | None = None,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """Add or replace the contact called ``rung`` of the region (``agency_id`` None) or of one of its
    agencies. A contact needs at least one channel: an e-mail, a webhook or a Telegram chat."""
    _require_manager(actor)
    reason = _reason(reason)
    rung = _rung(rung)
    if not (contact.get("email") or contact.get("webhook_url") or contact.get("telegram_chat_id")):
        raise SettingsRefused("isi paling sedikit satu saluran: e-mail, webhook atau Telegram")
    try:
        valid = ContactDef.model_validate(dict(contact))
    except ValidationError as invalid:
        raise SettingsRefused(_explain(invalid, CONTACT_FIELDS)) from None
    with _write(runtime) as session:
        holder = _holder(session, region_id, agency_id)
        value = {**holder.contacts, rung: valid.model_dump(mode="json")}
        _save(session, holder, "contacts", value, expected=expected, actor=actor, reason=reason)


def remove_contact(
    runtime: Runtime,
    region_id: int,
    rung: str,
    *,
    agency_id: int | None = None,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """Remove a contact; refused while a ladder step names a rung no one else in the region has."""
    _require_manager(actor)
    reason = _reason(reason)
    with _write(runtime) as session:
        holder = _holder(session, region_id, agency_id)
        if rung not in holder.contacts:
            raise SettingsRefused(f"kontak {rung!r} tidak ada")
        value = {name: c for name, c in holder.contacts.items() if name != rung}
        region = holder if isinstance(holder, Region) else holder.region
        region_rungs = value if holder is region else region.contacts
        agency_rungs = [value if a is holder else a.contacts for a in _active_agencies(session, region_id)]
        if rung in {step["notify"] for step in region.escalation} and rung not in _known_rungs(
            region_rungs, agency_rungs
        ):
            raise SettingsRefused(f"kontak {rung!r} dipakai tangga eskalasi; ubah tangga eskalasinya dulu")
        _save(session, holder, "contacts", value, expected=expected, actor=actor, reason=reason)


def update_feedback_consent(
    runtime: Runtime,
    region_id: int,
    allowed: bool,
    *,
    expected: str,
    actor: Actor,
    reason: str,
) -> None:
    """The manager's consent that operators' decisions on this region's texts may train the shared model
    (``pantau train --with-feedback`` reads it when it trains: turned off, the region's labels and texts stay
    out of the next model). Off by default; audited like every other region setting."""
    _require_manager(actor)
    reason = _reason(reason)
    with _write(runtime) as session:
        region = _locked_region(session, region_id)
        _save(session, region, "feedback_consent", allowed, expected=expected, actor=actor, reason=reason)
