"""E-mails, the PDF and the Word document in Welsh: an e-mail in its recipient's language whoever
sent it, the daily digest and a password link too; the PDF and the Word copy in the language of the
signed-in download (lang set on each), the public register's PDF in Welsh only by ?lang=cy, and the
signed English bytes left the record."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from datetime import timedelta
from types import SimpleNamespace

import pikepdf
import pytest
import sqlalchemy as sa

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.i18n import in_language
from eqia.models import Assessment, AssessmentDocument, OutboxMessage, utcnow
from eqia.notifications import kinds
from eqia.notifications.messages import written
from eqia.notifications.reminders import queue_digests, remind_actions
from eqia.pdf import checks
from eqia.services.workflow import perform_transition
from tests.test_notification_kinds import choose, noon, outbox
from tests.test_pdf import docx_text, text_of
from tests.conftest import keep_records

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pdf"
BASE = "http://127.0.0.1:5000"


def welsh(user) -> None:
    user.language = "cy"
    db.session.commit()


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ------------------------------------------------------------------ e-mails

def test_one_transition_emails_the_welsh_reader_in_welsh_and_the_english_reader_in_english(app, world):
    welsh(world.lead)
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "propose_screen_out", world.author, comment="Dim effaith")
    by_recipient = {m.recipient: m for m in outbox()}
    reference = assessment.display_reference
    # Written in a Welsh request's language, as a Welsh speaker's click might: still each reader's own.
    with app.test_request_context(headers={"Cookie": "eqia_language=cy"}), in_language("cy"):
        cy = written(by_recipient["lead@example.test"], BASE)
        en = written(by_recipient["lead2@example.test"], BASE)
    assert f"Mae {reference} \u201cLibrary opening hours\u201d yn aros amdanoch chi." in cy.body
    assert "Cymerodd Author y cam" in cy.body and "Rydych yn cael hysbysiadau" in cy.body
    assert "Newidiwch hynny yn eich gosodiadau hysbysiadau" in cy.body and "Dim effaith" in cy.body
    assert '<html lang="cy">' in cy.html and "Sylw:" in visible(cy.html)
    for english in ("is waiting for you", "took the action", "You get", "Change that in your notification settings",
                    "Comment:", "Open "):
        assert english not in cy.body and english not in visible(cy.html), english
    assert "bellach" in cy.subject and " now " not in cy.subject
    # The English reader's, word for word as before.
    assert f"{reference} \u201cLibrary opening hours\u201d is waiting for you." in en.body
    assert "You get \u201cWork waiting for you\u201d notifications by e-mail straight away." in en.body
    assert '<html lang="en-GB">' in en.html and " now " in en.subject


def test_the_daily_digest_is_in_its_readers_language_with_welsh_dates(app, world):
    welsh(world.author)
    choose(world.author, kinds.DIGEST)
    assessment = world.make_assessment("signed_off")
    due = db.session.get(Assessment, assessment.id).actions[0].due_date
    day = due + timedelta(days=1)
    remind_actions(day, noon(day))
    db.session.commit()
    assert queue_digests(day, noon(day)) == 1
    db.session.commit()
    [digest] = outbox(kind=kinds.DAILY_DIGEST)
    with app.app_context():
        message = written(digest, BASE)
    from babel.dates import get_month_names

    month = get_month_names("wide", locale="cy")[day.month]
    assert re.match(rf"Eich hysbysiadau ar gyfer {day.day} {month} {day.year}: \d+ am 1 asesiad$", message.subject)
    assert "Gweld eich holl hysbysiadau" in message.body and "crynodeb dyddiol" in message.body
    assert f"i\u2019w gwblhau erbyn {due.day} {get_month_names('wide', locale='cy')[due.month]}" in message.body
    assert '<html lang="cy">' in message.html
    for english in ("Your notifications for", "See all your notifications", "daily digest", "Open it:",
                    "an action was due on"):
        assert english not in message.body and english not in visible(message.html), english
    # The admin's command line lists it in English, whatever the reader's language.
    assert written(digest, BASE, language="en").subject.startswith("Your notifications for")


def test_a_password_link_is_in_its_readers_language(app, world):
    welsh(world.author)
    link = SimpleNamespace(kind=kinds.PASSWORD_RESET, recipient=world.author.email, subject=None, body=None,
                           details={"name": "Author", "expires_at": (utcnow() + timedelta(hours=2)).isoformat(),
                                    "token": "abc"})
    with app.app_context():
        message = written(link, BASE)
    assert message.subject.startswith("Ailosod eich cyfrinair") and "Annwyl Author," in message.body
    assert "(amser y DU)" in message.body and "gofynnwch am un newydd" in visible(message.html)
    for english in ("Dear", "Reset your password", "The link works once", "Never share this link"):
        assert english not in message.body and english not in visible(message.html), english


# ------------------------------------------------------------ the PDF and Word

ENGLISH_IN_THE_PDF = ("Summary for the decision-maker", "Register details", "Impact on each group",
                      "Due-regard timeline", "Appendix: audit trail", "About this assessment", "Page 1 of",
                      "Equality impact assessment", "Challenge ledger")


def ours(text: str) -> str:
    """The text before the audit trail's appendix: the trail's comments are stored words, English as recorded."""
    assert "Atodiad: trywydd archwilio" in text
    return text.split("Atodiad: trywydd archwilio")[0]


def lang_of(data: bytes) -> str:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return str(pdf.Root.get("/Lang"))


@pytest.mark.one_database
def test_a_welsh_readers_draft_pdf_is_in_welsh_and_an_english_readers_in_english(world, client, auth):
    assessment = world.make_assessment("screening")
    welsh(world.author)
    auth.sign_in(world.author)
    response = client.get(f"/assessments/{assessment.id}/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-DRAFT-cy.pdf"')
    data = response.data
    text = text_of(data)
    assert lang_of(data) == "cy"
    for words in ("Asesiad effaith cydraddoldeb", "Crynodeb ar gyfer y gwneuthurwr penderfyniadau",
                  "Manylion y gofrestr", "Atodiad: trywydd archwilio", "DRAFFT: heb ei gymeradwyo",
                  "Tudalen 1 o", "Library opening hours"):
        assert words in text, words
    for english in ENGLISH_IN_THE_PDF:
        assert english not in ours(text), english
    assert checks.problems(data) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "welsh-draft.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(ARTIFACTS / "welsh-draft.pdf"),
                    str(ARTIFACTS / "welsh-page")], check=True)
    # The same draft for an English reader: English, and never the Welsh bytes from the cache.
    auth.sign_out()
    auth.sign_in(world.lead)
    english = client.get(f"/assessments/{assessment.id}/pdf")
    assert english.data != data and lang_of(english.data) == "en-GB"
    assert "Summary for the decision-maker" in text_of(english.data)
    assert english.headers["Content-Disposition"].endswith('-DRAFT.pdf"')


@pytest.mark.one_database
def test_the_public_pdf_is_welsh_only_by_its_url_and_the_signed_english_bytes_stay_the_record(app, world, client):
    assessment = world.make_assessment("published")
    assert keep_records(app) == [assessment.id]
    [signed] = db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == assessment.id)).scalars().all()
    url = f"/register/{assessment.reference}/v{assessment.version_number}.pdf"
    # A Welsh visitor's cookie does not change the public URL's bytes: a cache may hold them for anyone.
    client.set_cookie("eqia_language", "cy")
    plain = client.get(url)
    assert plain.data == signed.data and lang_of(plain.data) == "en-GB"
    cy = client.get(url + "?lang=cy")
    assert cy.status_code == 200 and lang_of(cy.data) == "cy"
    assert "public" in cy.headers["Cache-Control"] and cy.headers["Content-Disposition"].endswith('-cy.pdf"')
    text = text_of(cy.data)
    assert "Cymeradwyaeth" in text and "Llofnodwyd gan" in text and "DRAFFT" not in text
    for english in ENGLISH_IN_THE_PDF:
        assert english not in ours(text), english
    assert client.get(url + "?lang=cy").data == cy.data  # kept, not rendered again
    assert client.get(url + "?lang=xx").data == signed.data
    db.session.expire_all()
    rows = db.session.execute(sa.select(AssessmentDocument.kind, AssessmentDocument.sha256).where(
        AssessmentDocument.assessment_id == assessment.id).order_by(AssessmentDocument.id)).all()
    assert rows == [("signed", signed.sha256), ("final-cy", hashlib.sha256(cy.data).hexdigest())]


@pytest.mark.one_database
def test_the_word_copy_is_in_the_readers_language(world, client, auth):
    assessment = world.make_assessment("screening")
    welsh(world.author)
    auth.sign_in(world.author)
    response = client.get(f"/assessments/{assessment.id}/docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('-DRAFT-cy.docx"')
    text = docx_text(response.data)
    assert "DRAFFT: heb ei gymeradwyo" in text and "Crynodeb ar gyfer y gwneuthurwr penderfyniadau" in text
    for english in ENGLISH_IN_THE_PDF:
        assert english not in ours(text), english
    from docx import Document as WordDocument

    doc = WordDocument(io.BytesIO(response.data))
    assert doc.core_properties.language == "cy-GB"
    assert 'w:val="cy-GB"' in doc.styles["Normal"].element.xml
