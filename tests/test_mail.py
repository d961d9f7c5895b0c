"""Email drafts (.eml read back with Python's email parser) and sending to real aiosmtpd servers
on 127.0.0.1: one that receives, one that refuses recipients, one that drops the connection."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result

from pipeline.build import BuildOptions, build
from pipeline.cli import cli
from pipeline.errors import ExitCode, UsageError
from pipeline.mail import SmtpServer, Tls, send_drafts, write_drafts
from pipeline.manifest import read_manifest

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SMTP_ENV = ("IHP_SMTP_HOST", "IHP_SMTP_PORT", "IHP_SMTP_USER", "IHP_SMTP_PASSWORD")


def ihp(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture(autouse=True)
def _no_smtp_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SMTP_ENV:
        monkeypatch.delenv(name, raising=False)


def _second_professional(fields: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> None:
    tables["HealthcareContacts"].append(
        {
            "role": "Specialist nurse",
            "name": "Ruth O'Neill",
            "organisation": "Children's respiratory team",
            "email": "ruth.oneill@nhs.example.org",
        }
    )


@pytest.fixture
def built(
    tmp_path: Path, write_school: Callable[..., Path], write_pupil: Callable[..., Path]
) -> tuple[Path, Path]:
    """An intake folder (Amelia with two professionals with email) and its `--no-pdf` build."""
    intake = tmp_path / "intake"
    intake.mkdir()
    write_school(intake / "school.xlsx")
    write_pupil(intake / "amelia.xlsx", change=_second_professional)
    output = tmp_path / "output"
    report = build(intake, output, options=BuildOptions(no_pdf=True))
    assert report.exit_code == ExitCode.OK
    return intake, output


def parse(path: Path) -> EmailMessage:
    with path.open("rb") as stream:
        message = BytesParser(policy=policy.default).parse(stream)
    assert isinstance(message, EmailMessage)
    return message


def test_one_draft_per_professional_with_the_ihp_attached(built: tuple[Path, Path]) -> None:
    intake, output = built
    result = write_drafts(intake, output, today=date(2026, 9, 15))
    assert result.skipped == []
    assert sorted(draft.to for draft in result.drafts) == [
        "joanne.price@nhs.example.org",
        "ruth.oneill@nhs.example.org",
    ]
    slug = "amelia-rose-hart-2018-06-14"
    ihp_docx = output / slug / f"{slug}-IHP.docx"
    for draft in result.drafts:
        assert draft.path.parent == (output / slug / "emails").resolve()
        if os.name == "posix":
            assert draft.path.stat().st_mode & 0o777 == 0o600
        message = parse(draft.path)
        assert message["To"].addresses[0].addr_spec == draft.to
        assert message["From"].addresses[0].addr_spec == "senco@kirkgatefields.example.org"
        assert message["X-Unsent"] == "1"
        assert message["Subject"] == (
            "Individual Healthcare Plan for A. Hart: please check and agree"
        )
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1
        attachment = attachments[0]
        assert attachment.get_content_type() == DOCX
        assert attachment.get_filename() == f"{slug}-IHP.docx"
        assert attachment.get_content() == ihp_docx.read_bytes()
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        note = body.get_content()
        name = message["To"].addresses[0].display_name
        assert f"Dear {name}," in note
        assert "by 29 September 2026" in note  # 15/09/2026 plus the school's 14 days
        assert "Mr Daniel Okoro" in note and "Kirkgate Fields School" in note
    names = sorted(draft.path.name for draft in result.drafts)
    assert names == [f"{slug}-to-joanne-price.eml", f"{slug}-to-ruth-oneill.eml"]


def test_the_subject_has_no_health_details(built: tuple[Path, Path]) -> None:
    intake, output = built
    for draft in write_drafts(intake, output).drafts:
        subject = parse(draft.path)["Subject"].casefold()
        for word in ("asthma", "salbutamol", "inhaler", "amelia", "millie"):
            assert word not in subject


def test_a_pupil_not_built_is_named_and_skipped(
    built: tuple[Path, Path], write_pupil: Callable[..., Path]
) -> None:
    intake, output = built
    write_pupil(intake / "oliver.xlsx", "oliver")
    result = ihp("email", str(intake), "-o", str(output))
    assert result.exit_code == ExitCode.OK, result.output
    assert "oliver.xlsx: not built yet (run ihp build)" in result.output
    assert "nothing sent (dry run)" in result.output
    assert not list(output.glob("oliver*/emails/*.eml"))
    assert len(list(output.glob("amelia*/emails/*.eml"))) == 2


def test_from_option_and_no_build(built: tuple[Path, Path], tmp_path: Path) -> None:
    intake, output = built
    result = write_drafts(intake, output, sender="office@kirkgatefields.example.org")
    assert parse(result.drafts[0].path)["From"].addresses[0].addr_spec == (
        "office@kirkgatefields.example.org"
    )
    with pytest.raises(UsageError):
        write_drafts(intake, tmp_path / "never-built")
    cli_result = ihp("email", str(intake), "-o", str(tmp_path / "never-built"))
    assert cli_result.exit_code == ExitCode.USAGE
    assert "run ihp build" in cli_result.output


# --- real SMTP servers on loopback ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Receiving:
    """Keeps every message it is sent."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Refusing:
    """Refuses every recipient with 550, as a server does for an unknown mailbox."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.refused.append(address)
        return "550 5.1.1 No such mailbox here"


class Dropping:
    """Takes the message, then drops the connection without answering."""

    def __init__(self) -> None:
        self.dropped = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.dropped += 1
        server.transport.close()
        return "250 never heard"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == b"senco" and auth_data.password == b"correct horse"
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp() -> Iterator[Callable[..., int]]:
    controllers: list[Controller] = []

    def start(handler: Any, **options: Any) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def test_send_to_a_real_server_records_it_in_the_manifest(
    built: tuple[Path, Path], smtp: Callable[..., int]
) -> None:
    intake, output = built
    handler = Receiving()
    port = smtp(handler, authenticator=_authenticate, auth_require_tls=False)
    env = {
        "IHP_SMTP_HOST": "127.0.0.1",
        "IHP_SMTP_PORT": str(port),
        "IHP_SMTP_USER": "senco",
        "IHP_SMTP_PASSWORD": "correct horse",
    }
    result = ihp("email", str(intake), "-o", str(output), "--send", "--tls", "none", env=env)
    assert result.exit_code == ExitCode.OK, result.output
    assert "correct horse" not in result.output
    assert sorted(rcpt for envelope in handler.envelopes for rcpt in envelope.rcpt_tos) == [
        "joanne.price@nhs.example.org",
        "ruth.oneill@nhs.example.org",
    ]
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "senco@kirkgatefields.example.org"
    received = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert isinstance(received, EmailMessage)
    assert received["X-Unsent"] is None  # the sent copy is not a draft
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "amelia-rose-hart-2018-06-14-IHP.docx"
    slug = "amelia-rose-hart-2018-06-14"
    assert attachment.get_content() == (output / slug / f"{slug}-IHP.docx").read_bytes()
    manifest = read_manifest(output)
    assert manifest is not None
    emails = manifest["pupils"][0]["emails"]
    assert [(email["status"], email["error"]) for email in emails] == [("sent", None)] * 2
    assert {email["file"] for email in emails} == {
        f"{slug}/emails/{slug}-to-joanne-price.eml",
        f"{slug}/emails/{slug}-to-ruth-oneill.eml",
    }
    assert all(email["sent_at"] for email in emails)


def test_a_wrong_password_is_a_clear_failure(
    built: tuple[Path, Path], smtp: Callable[..., int]
) -> None:
    intake, output = built
    port = smtp(Receiving(), authenticator=_authenticate, auth_require_tls=False)
    drafts = write_drafts(intake, output).drafts
    server = SmtpServer("127.0.0.1", port, "senco", "wrong", Tls.NONE, timeout=10)
    outcomes = send_drafts(output, drafts, server)
    assert [sent.ok for sent in outcomes] == [False, False]
    assert "did not accept the user name and password" in (outcomes[0].error or "")


def test_a_refusing_server_fails_each_email_and_exits_email_failed(
    built: tuple[Path, Path], smtp: Callable[..., int]
) -> None:
    intake, output = built
    handler = Refusing()
    port = smtp(handler)
    result = ihp(
        "email", str(intake), "-o", str(output), "--send", "--tls", "none",
        "--host", "127.0.0.1", "--port", str(port),
    )  # fmt: skip
    assert result.exit_code == ExitCode.EMAIL_FAILED, result.output
    assert "refused the address" in result.output and "550" in result.output
    assert "Traceback" not in result.output
    # both emails were still attempted
    assert sorted(handler.refused) == [
        "joanne.price@nhs.example.org",
        "ruth.oneill@nhs.example.org",
    ]
    manifest = read_manifest(output)
    assert manifest is not None
    emails = manifest["pupils"][0]["emails"]
    assert [email["status"] for email in emails] == ["failed", "failed"]
    assert all("550" in email["error"] for email in emails)


def test_a_dropped_connection_fails_clearly_and_the_rest_are_tried(
    built: tuple[Path, Path], smtp: Callable[..., int]
) -> None:
    intake, output = built
    handler = Dropping()
    port = smtp(handler)
    result = ihp(
        "email", str(intake), "-o", str(output), "--send", "--tls", "none",
        "--host", "127.0.0.1", "--port", str(port),
    )  # fmt: skip
    assert result.exit_code == ExitCode.EMAIL_FAILED, result.output
    assert "dropped the connection" in result.output
    assert handler.dropped == 2
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert [email["status"] for email in manifest["pupils"][0]["emails"]] == ["failed"] * 2


def test_nobody_listening_is_a_clear_failure(built: tuple[Path, Path]) -> None:
    intake, output = built
    drafts = write_drafts(intake, output).drafts
    server = SmtpServer("127.0.0.1", free_port(), tls=Tls.NONE, timeout=10)
    outcomes = send_drafts(output, drafts, server)
    assert len(outcomes) == 2
    assert all("refused or dropped" in (sent.error or "") for sent in outcomes)


def test_starttls_is_required_when_asked_for(
    built: tuple[Path, Path], smtp: Callable[..., int]
) -> None:
    intake, output = built
    handler = Receiving()
    port = smtp(handler)
    drafts = write_drafts(intake, output).drafts
    outcomes = send_drafts(output, drafts, SmtpServer("127.0.0.1", port, timeout=10))
    assert all("does not offer STARTTLS" in (sent.error or "") for sent in outcomes)
    assert handler.envelopes == []


def test_unencrypted_sending_only_to_this_computer(built: tuple[Path, Path]) -> None:
    intake, output = built
    result = ihp(
        "email", str(intake), "-o", str(output), "--send", "--tls", "none",
        "--host", "smtp.example.org",
    )  # fmt: skip
    assert result.exit_code == ExitCode.USAGE
    assert "unencrypted" in result.output


def test_the_password_is_never_an_option(built: tuple[Path, Path]) -> None:
    intake, output = built
    result = ihp("email", str(intake), "-o", str(output), "--send", "--password", "secret")
    assert result.exit_code == ExitCode.USAGE
    assert "No such option" in result.output
