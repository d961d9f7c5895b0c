"""Email drafts to healthcare professionals, and optional sending over SMTP.

The statutory process asks a healthcare professional to agree each plan. After `ihp build`, one
`.eml` per pupil per professional with an email address is written beside the pupil's files:
addressed, with a short cover note and the editable IHP attached, marked `X-Unsent: 1` so that
Outlook opens it as a draft (Thunderbird: File > Open). Sending is optional and explicit; every
attempt is recorded in `manifest.json`. The subject names the pupil only by initial and surname,
never a condition: subjects show in notification previews and mail logs.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.files import inside, private_dir, pupil_slug, slugify, write_atomically
from pipeline.manifest import MANIFEST, previous_pupils, read_manifest
from pipeline.model import HealthcareContact, Plan, School
from pipeline.validate import check_intake
from pipeline.wording import terms, uk_date

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SMTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Draft:
    """One `.eml` written for one professional about one pupil."""

    slug: str
    to: str
    #: the `.eml`, inside the output folder
    path: Path


@dataclass
class Drafts:
    """What `write_drafts` did: the drafts written and, one line each, the pupils skipped."""

    drafts: list[Draft] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def short_name(legal_name: str) -> str:
    """`Jo Anne Smith` -> `J. Smith`: enough for the recipient to find the plan, little more."""
    parts = legal_name.split()
    if len(parts) < 2:
        return legal_name.strip()
    return f"{parts[0][0].upper()}. {parts[-1]}"


def subject(plan: Plan) -> str:
    """No condition, no full name: subjects show in previews and in mail servers' logs."""
    name = short_name(plan.pupil.legal_name)
    return f"Individual Healthcare Plan for {name}: please check and agree"


def reply_by(plan: Plan, today: date) -> date:
    """The plan date or today, whichever is later, plus the school's days to reply."""
    return max(today, plan.agreement.plan_date) + timedelta(days=plan.school.reply_days)


def cover_note(plan: Plan, contact: HealthcareContact, today: date) -> str:
    """The short letter from the school: what is attached, what is asked, by when."""
    school = plan.school
    words = terms(school.nation)
    awaited = (
        ""
        if plan.agreement.is_agreed
        else "\nUntil you agree it, the plan's emergency wording is marked as awaiting agreement "
        "by a healthcare professional.\n"
    )
    return (
        f"Dear {contact.name},\n\n"
        f"Please find attached the Individual Healthcare Plan we have written for "
        f"{plan.pupil_name} ({plan.pupil.year_group}) at {school.name}, after the meeting on "
        f"{uk_date(plan.agreement.meeting_date)}.\n\n"
        f"Could you check it, in particular the emergency steps and the medicines, and send us "
        f"any corrections, or tell us that you agree it, by {uk_date(reply_by(plan, today))}? "
        f"The plan is a Word document: you may type corrections into it, or reply to this "
        f"email.\n{awaited}\n"
        f"With thanks,\n\n{school.senco}\n{words['senco']}, {school.name}\n{school.main_phone}\n\n"
        f"This email and its attachment hold confidential health information about a child. "
        f"If it reached you by mistake, please tell us and delete it.\n"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def draft_message(
    plan: Plan, contact: HealthcareContact, ihp: Path, sender: str, today: date
) -> EmailMessage:
    """The email to one professional: addressed, with the cover note and the IHP attached."""
    assert contact.email is not None
    school = plan.school
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject(plan)
    message["From"] = Address(_one_line(f"{school.senco}, {school.name}"), addr_spec=sender)
    message["To"] = Address(_one_line(contact.name), addr_spec=str(contact.email))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["X-Unsent"] = "1"
    message.set_content(cover_note(plan, contact, today))
    message.add_attachment(
        ihp.read_bytes(), maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=ihp.name
    )
    return message


def _sender(school: School, sender: str | None) -> str:
    address = sender or school.senco_email or school.email
    if not address:
        raise UsageError(
            "the school details have no SENCo email and no school email to send from",
            "type one in school.xlsx (SENCo email), or give --from ADDRESS",
        )
    return str(address)


def _built_ihp(output: Path, entry: dict[str, Any] | None) -> Path | None:
    if entry is None:
        return None
    for item in entry.get("outputs", []):
        if (
            isinstance(item, dict)
            and item.get("kind") == "IHP"
            and isinstance(item.get("file"), str)
        ):
            path = inside(output, Path(item["file"]))
            return path if path.is_file() else None
    return None


def write_drafts(
    intake: Path,
    output: Path,
    *,
    school_file: Path | None = None,
    sender: str | None = None,
    today: date | None = None,
) -> Drafts:
    """Write one `.eml` per pupil per healthcare contact with an email address, into
    `output/<slug>/emails/` (atomically, readable by the owner only).

    The attachment is the IHP `ihp build` wrote; a pupil not built yet is skipped and named.
    """
    today = today or date.today()
    manifest = read_manifest(output)
    if manifest is None:
        raise UsageError(
            f"there is no build in {output} (no readable {MANIFEST})",
            "run ihp build on the intake folder first, or give its output folder with -o",
        )
    built = previous_pupils(manifest)
    checked = check_intake(intake, school_file=school_file, today=today)
    result = Drafts()
    for pupil in checked.pupils:
        plan = pupil.plan
        if not pupil.ok or plan is None:
            result.skipped.append(f"{pupil.path.name}: needs fixing (run ihp check), no drafts")
            continue
        slug = pupil_slug(plan)
        ihp = _built_ihp(output, built.get(slug))
        if ihp is None:
            result.skipped.append(
                f"{pupil.path.name}: not built yet (run ihp build), no drafts written"
            )
            continue
        contacts = [contact for contact in plan.contacts.healthcare if contact.email]
        if not contacts:
            result.skipped.append(
                f"{pupil.path.name}: no healthcare professional has an email address"
            )
            continue
        folder = private_dir(inside(output, Path(slug) / "emails"))
        used: set[str] = set()
        for contact in contacts:
            stem = f"{slug}-to-{slugify(contact.name)}"
            name, number = stem, 2
            while name in used:
                name, number = f"{stem}-{number}", number + 1
            used.add(name)
            message = draft_message(plan, contact, ihp, _sender(plan.school, sender), today)
            path = write_atomically(folder / f"{name}.eml", message.as_bytes())
            result.drafts.append(Draft(slug=slug, to=str(contact.email), path=path))
    return result


class Tls(StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send. The password comes from the environment or a prompt only."""

    host: str
    port: int | None = None
    user: str | None = None
    password: str | None = None
    tls: Tls = Tls.STARTTLS
    timeout: float = SMTP_TIMEOUT

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return {Tls.STARTTLS: 587, Tls.SSL: 465, Tls.NONE: 25}[self.tls]


@dataclass(frozen=True)
class Sent:
    """The outcome of sending one draft: `error` is None when the server accepted it."""

    draft: Draft
    sent_at: datetime
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _connect(server: SmtpServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    port = server.effective_port
    if server.tls is Tls.SSL:
        return smtplib.SMTP_SSL(server.host, port, timeout=server.timeout, context=context)
    connection = smtplib.SMTP(server.host, port, timeout=server.timeout)
    try:
        if server.tls is Tls.STARTTLS:
            connection.ehlo()
            if not connection.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    "the server does not offer STARTTLS, so the email would go unencrypted"
                )
            connection.starttls(context=context)
            connection.ehlo()
    except BaseException:
        connection.close()
        raise
    return connection


def _reason(error: BaseException, server: SmtpServer) -> str:
    """What went wrong, in words a SENCo can pass on to the school's IT support."""
    where = f"{server.host}:{server.effective_port}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
            for code, reply in error.recipients.values()
        ]
        return f"the server {where} refused the address ({'; '.join(codes)})"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"the server {where} did not accept the user name and password"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"{where}: {error}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the server {where} dropped the connection before the email was accepted"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"the server {where} refused the email ({error.smtp_code} {reply})"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return f"a secure connection to {where} could not be made ({error.__class__.__name__})"
    if isinstance(error, socket.timeout | TimeoutError):
        return f"the server {where} did not answer in time"
    if isinstance(error, ConnectionError):
        return f"the connection to {where} was refused or dropped"
    if isinstance(error, OSError):
        return f"could not reach {where}: {error.strerror or error}"
    return f"sending through {where} failed ({error.__class__.__name__})"


def _send_one(path: Path, server: SmtpServer) -> None:
    with path.open("rb") as stream:
        message = BytesParser(policy=policy.SMTP).parse(stream)
    del message["X-Unsent"]  # the copy sent is a sent email, not a draft
    connection = _connect(server)
    try:
        if server.user:
            try:
                connection.login(server.user, server.password or "")
            except smtplib.SMTPServerDisconnected:
                # Some servers hang up after refusing a login, instead of answering 535.
                raise smtplib.SMTPAuthenticationError(535, b"closed after the login") from None
        connection.send_message(message)
    finally:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _record(output: Path, sent: Sent) -> None:
    """Add one send to the pupil's `emails` list in the manifest, rewritten atomically."""
    manifest = read_manifest(output)
    if manifest is None:
        return
    for entry in manifest["pupils"]:
        if isinstance(entry, dict) and entry.get("slug") == sent.draft.slug:
            emails = entry.get("emails")
            if not isinstance(emails, list):
                emails = entry["emails"] = []
            emails.append(
                {
                    "to": sent.draft.to,
                    "file": sent.draft.path.resolve().relative_to(output.resolve()).as_posix(),
                    "sent_at": sent.sent_at.isoformat(timespec="seconds"),
                    "status": "sent" if sent.ok else "failed",
                    "error": sent.error,
                }
            )
            break
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(output / MANIFEST, text.encode("utf-8"))


def check_server(server: SmtpServer) -> None:
    """Refuse to send children's health data unencrypted anywhere but this computer."""
    if server.tls is Tls.NONE and server.host not in LOOPBACK:
        raise UsageError(
            f"--tls none would send health details unencrypted to {server.host}",
            "use --tls starttls (port 587) or --tls ssl (port 465); none is only for a server "
            "on this computer (127.0.0.1)",
        )


def send_drafts(output: Path, drafts: list[Draft], server: SmtpServer) -> list[Sent]:
    """Send each draft (a new connection for each, so one failure does not stop the rest),
    recording every attempt in the manifest."""
    check_server(server)
    outcomes = []
    for draft in drafts:
        try:
            _send_one(draft.path, server)
            error = None
        except (smtplib.SMTPException, OSError) as failure:
            error = _reason(failure, server)
        sent = Sent(draft=draft, sent_at=datetime.now(UTC), error=error)
        _record(output, sent)
        outcomes.append(sent)
    return outcomes
