"""The PDF: complete, accessible, DRAFT until signed, the signed bytes kept and
served as they were, and nothing a user writes can make the renderer fetch."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
import sqlalchemy as sa
from weasyprint import HTML

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import Assessment, AssessmentDocument, AuditEvent
from eqia.pdf import checks, tagging
from eqia.services.pdf_document import html_for
from eqia.pdf.fetcher import SCHEME, BundledAssets
from eqia.pdf.render import pdf_from_html
from eqia.services import challenge, record, version_pdfs
from eqia.services import content as full
from eqia.services.assessments import ScreeningInput, update_register_details, update_screening
from eqia.services.workflow import perform_transition
from tests.conftest import PASSWORD, keep_records

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pdf"


def text_of(data: bytes) -> str:
    """The text in the order it is drawn (cell by cell, as the tags read it), whitespace folded."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def lock(assessment_id: int) -> int:
    return fresh(assessment_id).lock_version


# A distinct value in every field the author, the lead and the decision-maker write.
def filled(world) -> tuple[Assessment, list[str]]:
    today = date.today()
    written: list[str] = []

    def mark(name: str) -> str:
        value = f"Field {name} written here"
        written.append(value)
        return value

    details = {
        "title": mark("title"), "service": mark("service"), "lead_officer": mark("lead officer"),
        "aims": mark("aims"), "people_affected": mark("people affected"), "decision_maker": mark("decision maker"),
        "decision_forum": mark("decision forum"), "parent_programme": mark("parent programme"),
    }
    a = world.make_assessment(**details)
    author = world.author
    answers = {row.characteristic_key: ("yes", mark(f"screening reason {row.characteristic_key}"), "no")
               for row in a.screening_answers}
    update_screening(a.id, author, ScreeningInput(answers=answers, relevance="high", conclusion=mark("conclusion"),
                                                  proposal="full"), lock(a.id), complete=True)
    perform_transition(a.id, "start_full_assessment", author)
    full.save_item(full.EVIDENCE, a.id, author, lock(a.id), None, {
        "kind": "data", "source": mark("evidence source"), "dated": today - timedelta(days=40),
        "summary": mark("evidence summary"), "link": "https://example.test/field-evidence-link"})
    written.append("https://example.test/field-evidence-link")
    full.save_item(full.CONSULTATION, a.id, author, lock(a.id), None, {
        "who": mark("consulted who"), "held_from": today - timedelta(days=20), "held_to": None,
        "method": mark("consultation method"), "what_they_said": mark("what they said"),
        "how_it_changed": mark("how it changed")})
    full.save_section_page("evidence", a.id, author, lock(a.id), True)
    full.save_consultation_page(a.id, author, lock(a.id), "", True)
    evidence_id = fresh(a.id).evidence_items[0].id
    for row in fresh(a.id).impacts:
        negative = row.characteristic_key == "disability"
        full.update_impact(a.id, author, lock(a.id), row.characteristic_key, full.ImpactInput(
            impact="negative" if negative else "neutral", severity="high" if negative else None,
            aims=frozenset({"a"}), evidence_narrative=mark(f"reasons {row.characteristic_key}"),
            cited_evidence_ids=frozenset({evidence_id}), no_evidence_reason="",
            mitigation=mark("mitigation disability") if negative else ""), True)
    full.update_intersectional(a.id, author, lock(a.id), mark("intersectional effects"), True)
    full.update_outcome(a.id, author, lock(a.id), ["adjust", "continue"], mark("justification"), True)
    full.save_item(full.ACTIONS, a.id, author, lock(a.id), None, {
        "description": mark("action description"), "owner": mark("action owner"),
        "due_date": today + timedelta(days=90), "success_measure": mark("success measure"), "status": "in_progress"})
    full.save_action_plan_page(a.id, author, lock(a.id), fresh(a.id).planned_decision_date + timedelta(days=365), True)
    perform_transition(a.id, "submit_for_challenge", author)
    challenge.save_points(a.id, world.lead, {"evidence": challenge.PointInput("to_correct", mark("lead point"))})
    perform_transition(a.id, "return_to_author", world.lead, comment=mark("overall comment"))
    points = challenge.unanswered(fresh(a.id))
    challenge.save_answers(a.id, author, lock(a.id), {
        p.id: challenge.AnswerInput("not_accepted", mark(f"answer {p.section_key}")) for p in points})
    perform_transition(a.id, "submit_for_challenge", author)
    perform_transition(a.id, "approve", world.lead2, comment=mark("approval comment"))
    return fresh(a.id), written


def test_every_field_of_a_fully_filled_eqia_is_in_the_pdf(world):
    assessment, written = filled(world)
    text = text_of(version_pdfs.pdf_for(assessment).data)
    # A long link wraps inside its table cell: compare it without the line break.
    missing = [value for value in written if value not in text
               and not (value.startswith("https://") and value in text.replace("- ", "-").replace(" ", ""))]
    assert not missing, missing
    for heading in ("Summary for the decision-maker", "Register details", "Screening", "Evidence and consultation",
                    "Impact on each group", "Intersectional and cumulative effects", "Outcome and justification",
                    "Action plan", "Challenge ledger", "Due-regard timeline", "Sign-off", "Appendix: audit trail"):
        assert heading in text, heading
    assert f"Page 1 of " in text


def test_a_draft_carries_the_draft_mark_and_a_signed_version_does_not(world):
    assessment, _ = filled(world)
    draft = version_pdfs.pdf_for(assessment)
    assert not draft.signed and draft.filename.endswith("-DRAFT.pdf")
    assert "DRAFT: not signed off" in text_of(draft.data)
    perform_transition(assessment.id, "sign_off", world.decider, attested=True, password=PASSWORD)
    signed = version_pdfs.pdf_for(fresh(assessment.id))
    assert signed.signed
    text = text_of(signed.data)
    assert "DRAFT" not in text
    assert world.decider.name in text and record.content_hash(fresh(assessment.id)) in text.replace(" ", "")


def kept_documents(assessment_id: int) -> list[AssessmentDocument]:
    db.session.expire_all()
    return db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == assessment_id)).scalars().all()


def test_the_signed_pdf_is_rendered_once_signed_and_served_byte_for_byte(app, world, client, auth):
    assessment = world.make_assessment("signed_off")
    assert kept_documents(assessment.id) == []  # the signature waited for no render: its commit queued one
    assert keep_records(app) == [assessment.id]
    [stored] = kept_documents(assessment.id)
    assert stored.kind == "signed" and hashlib.sha256(stored.data).hexdigest() == stored.sha256
    auth.sign_in(world.lead)
    first = client.get(f"/assessments/{assessment.id}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert hashlib.sha256(first.data).hexdigest() == stored.sha256
    assert first.headers["ETag"] == f'"{stored.sha256}"'
    world.drive(assessment, "published")  # a later state: the same signed bytes
    again = client.get(f"/assessments/{assessment.id}/pdf")
    assert again.data == first.data
    auth.sign_out()
    public = client.get(f"/register/{assessment.reference}/v{assessment.version_number}.pdf")
    assert public.status_code == 200 and public.data == first.data


def test_the_record_made_later_shows_the_version_as_it_became_final(app, world, client, auth):
    """Rendered after the signature's commit (by its task, or by a download that comes first), the record
    is the same document: the state it was signed off in, the trail up to the signature, the chain's head
    at the signature, whatever happened since."""
    assessment = world.make_assessment("signed_off")
    signed = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == assessment.id,
                                                            AuditEvent.action == "sign_off")).scalar_one()
    at_once = text_of(version_pdfs.record_bytes(fresh(assessment.id)))  # as the task would, straight away
    world.drive(fresh(assessment.id), "published")  # later events, a later state, the chain's head moved on
    auth.sign_in(world.lead)
    first = client.get(f"/assessments/{assessment.id}/pdf")  # before the task ran: made now, and kept
    assert first.status_code == 200
    later = text_of(first.data)
    assert later == at_once
    compact = later.replace(" ", "")
    assert "StatusSignedoff" in compact and f"Eventsonthetrail{signed.seq}" in compact and signed.hash in compact
    [kept] = kept_documents(assessment.id)
    assert kept.kind == "signed" and kept.sha256 == hashlib.sha256(first.data).hexdigest()
    assert keep_records(app) == [assessment.id]  # the task finds it kept, and keeps no second
    assert kept_documents(assessment.id) == [kept]
    assert client.get(f"/assessments/{assessment.id}/pdf").data == first.data


def test_a_signed_pdf_is_never_changed_in_the_database(app, world):
    assessment = world.make_assessment("signed_off")
    assert keep_records(app) == [assessment.id]
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE assessment_document SET data = :d WHERE assessment_id = :id"),
                           {"d": b"%PDF forged", "id": assessment.id})
        db.session.commit()
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM assessment_document WHERE assessment_id = :id"), {"id": assessment.id})
        db.session.commit()
    db.session.rollback()


def test_an_unchanged_draft_is_served_from_the_cache_and_an_edit_renders_it_again(world):
    assessment = world.make_assessment("full_assessment")
    first = version_pdfs.pdf_for(assessment)
    again = version_pdfs.pdf_for(fresh(assessment.id))
    assert again.data == first.data
    assert db.session.execute(sa.select(sa.func.count()).select_from(AssessmentDocument)).scalar_one() == 1
    update_register_details(assessment.id, world.author, {"aims": "Changed aims"}, lock(assessment.id), complete=True)
    changed = version_pdfs.pdf_for(fresh(assessment.id))
    assert changed.sha256 != first.sha256 and "Changed aims" in text_of(changed.data)


def test_restricted_and_unpublished_versions_have_no_public_pdf(world, client):
    draft = world.make_assessment("awaiting_sign_off")
    assert client.get(f"/register/{draft.reference}/v1.pdf").status_code == 404
    hidden = world.make_assessment("published", title="Restructure")
    # Restricted after the fact, as an administrator would in SQL: the register must still hide it.
    db.session.execute(sa.text("UPDATE assessment SET restricted = :t WHERE id = :id"), {"t": True, "id": hidden.id})
    db.session.commit()
    assert client.get(f"/register/{hidden.reference}/v1.pdf").status_code == 404


# ----------------------------------------------------------------- PDF/UA checks

@pytest.fixture
def rendered(world):
    assessment, _ = filled(world)
    page, extra = html_for(assessment)
    raw = HTML(string=page, base_url=SCHEME, url_fetcher=BundledAssets(extra)).write_pdf(pdf_variant="pdf/ua-1")
    return page, extra, raw


def test_the_finished_pdf_passes_every_automated_check(rendered):
    _, _, raw = rendered
    assert checks.problems(tagging.finish(raw)) == []


def test_weasyprint_alone_leaves_header_cells_unscoped_and_headers_not_artifacts(rendered):
    """The gaps measured in WeasyPrint 70's output: the checker must find them."""
    _, _, raw = rendered
    with pikepdf.open(__import__("io").BytesIO(raw)) as pdf:
        assert checks.header_cells_scoped(pdf)
        found = checks.content_tagged_or_artifact(pdf)
    assert found and all("running headers and footers must be artifacts" in p for p in found)


def test_a_watermark_drawn_as_an_element_is_found_by_the_checker(rendered):
    page, extra, _ = rendered
    naive = page.replace("<body class=\"draft\">", "<body class=\"draft\"><div style=\"position: fixed; top: 40%; "
                         "left: 20%; font-size: 60pt; transform: rotate(-30deg)\">DRAFT</div>")
    raw = HTML(string=naive, base_url=SCHEME, url_fetcher=BundledAssets(extra)).write_pdf(pdf_variant="pdf/ua-1")
    with pikepdf.open(__import__("io").BytesIO(tagging.finish(raw))) as pdf:
        assert checks.no_rotated_tagged_text(pdf)


def test_a_heading_or_caption_left_alone_at_a_page_foot_is_found_by_the_checker(rendered):
    page, extra, _ = rendered
    # Print CSS that lets a break fall straight after every section heading and every caption.
    for tag, name in (("h2", "H2"), ("caption", "Caption")):
        careless = page.replace("</head>", f"<style>{tag} {{ break-after: page !important; }}</style></head>")
        raw = HTML(string=careless, base_url=SCHEME, url_fetcher=BundledAssets(extra)).write_pdf(
            pdf_variant="pdf/ua-1")
        found = checks.problems(tagging.finish(raw))
        assert any(f" {name} is alone at the foot of page " in p for p in found), found
        assert all(" is alone at the foot of page " in p for p in found), found


def test_the_large_draft_keeps_every_heading_with_what_follows(world):
    """Many rows and long tables: page breaks fall in many more places than in
    a short assessment, and none may leave a heading or caption behind."""
    assessment = world.make_assessment("full_assessment")
    author, today = world.author, date.today()
    for n in range(25):
        full.save_item(full.EVIDENCE, assessment.id, author, lock(assessment.id), None, {
            "kind": "data", "source": f"Data set {n}, by ward and by age band", "dated": today - timedelta(days=30),
            "summary": "Weekly charges, income and benefits, compared with the year before. " * 3, "link": ""})
        full.save_item(full.CONSULTATION, assessment.id, author, lock(assessment.id), None, {
            "who": f"Residents' group {n}", "held_from": today - timedelta(days=20), "held_to": None,
            "method": "Meeting", "what_they_said": "The charge must allow for disability-related costs. " * 3,
            "how_it_changed": "The allowance was raised."})
        full.save_item(full.ACTIONS, assessment.id, author, lock(assessment.id), None, {
            "description": f"Action {n}: review the charge for this group after six months. " * 3,
            "owner": "Head of Finance", "due_date": today + timedelta(days=90 + n),
            "success_measure": "A report to Cabinet", "status": "not_started"})
    data = version_pdfs.render(fresh(assessment.id))
    with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
        assert len(pdf.pages) > 15
    assert checks.problems(data) == []


@pytest.mark.parametrize("broken,message", [
    (lambda pdf: pdf.Root.__setattr__("Lang", pikepdf.String("fr")), "The document language is 'fr', not 'en-GB'"),
    (lambda pdf: pdf.Root.ViewerPreferences.__setattr__("DisplayDocTitle", False),
     "The viewer is not told to show the title (DisplayDocTitle)"),
    (lambda pdf: pdf.Root.__delattr__("MarkInfo"), "/MarkInfo does not say the document is marked"),
])
def test_the_checker_fails_on_each_document_level_gap(rendered, broken, message):
    _, _, raw = rendered
    import io

    with pikepdf.open(io.BytesIO(tagging.finish(raw))) as pdf:
        broken(pdf)
        out = io.BytesIO()
        pdf.save(out)
    assert message in checks.problems(out.getvalue())


def test_fonts_are_embedded_and_the_project_font_is_used(rendered):
    _, _, raw = rendered
    with pikepdf.open(__import__("io").BytesIO(tagging.finish(raw))) as pdf:
        assert checks.fonts_embedded(pdf) == []
        names = {str(f.get("/BaseFont")) for p in pdf.pages for f in p.Resources.get("/Font", {}).values()}
    # The bundled Noto Sans, under its @font-face name: no system font stood in for it.
    assert names and all("EqIA-Sans" in n for n in names), names


def test_pages_render_to_png_for_a_person_to_look_at(rendered):
    """Written to test-artifacts/pdf/ for review; checked here only to exist."""
    _, _, raw = rendered
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "filled-draft.pdf"
    pdf_path.write_bytes(tagging.finish(raw))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3", str(pdf_path), str(ARTIFACTS / "page")],
                   check=True)
    pngs = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pngs) == 3 and all(p.stat().st_size > 5_000 for p in pngs)


# ------------------------------------------------------------ nothing is fetched

class Listener:
    """A real HTTP port on loopback that records any connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def hostile(port: int) -> list[str]:
    return [
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/text",
        f"<img src=\"http://127.0.0.1:{port}/img\"><link rel=stylesheet href=\"http://127.0.0.1:{port}/css\">",
        f"</style><style>@import url(http://127.0.0.1:{port}/import); body {{ background: url(file:///etc/passwd) }}",
        f"x\" onerror=\"\" style=\"background:url(http://127.0.0.1:{port}/attr)",
        f"<svg><image href=\"file:///etc/passwd\"/></svg>",
    ]


def test_hostile_text_in_every_field_fetches_nothing_and_reads_as_written(world, listener):
    values = hostile(listener.port)
    joined = " | ".join(values)
    assessment = world.make_assessment("full_assessment", title=joined, aims=joined, service=values[0],
                                       parent_programme=values[3])
    full.save_item(full.EVIDENCE, assessment.id, world.author, lock(assessment.id), None, {
        "kind": "data", "source": joined, "dated": date.today() - timedelta(days=3), "summary": joined,
        "link": f"http://127.0.0.1:{listener.port}/link"})
    full.update_intersectional(assessment.id, world.author, lock(assessment.id), joined, None)
    page, extra = html_for(fresh(assessment.id))
    fetcher = BundledAssets(extra)
    data = pdf_from_html(page, fetcher=fetcher)
    assert fetcher.refused == []  # escaped text is never even a URL to the renderer
    assert listener.hits == 0
    text = text_of(data)
    assert "file:///etc/passwd" in text and f"http://127.0.0.1:{listener.port}/link" in text
    assert "</style><style>@import" in text


def test_the_fetcher_refuses_anything_but_the_bundled_assets(listener):
    page = (f"<html lang='en-GB'><head><title>t</title><link rel=stylesheet href='http://127.0.0.1:{listener.port}/a.css'>"
            f"<style>@import url(http://127.0.0.1:{listener.port}/b.css); @font-face {{ font-family: x; "
            f"src: url(file:///etc/passwd) }} body {{ background: url(http://127.0.0.1:{listener.port}/c.png) }}"
            f"</style></head><body><h1>Title</h1><img src='file:///etc/passwd' alt='x'>"
            f"<img src='eqia-asset:///../../etc/passwd' alt='y'><img src='data:image/svg+xml,%3Csvg/%3E' alt='z'>"
            f"</body></html>")
    fetcher = BundledAssets()
    pdf_from_html(page, fetcher=fetcher)
    assert listener.hits == 0
    assert any(u.startswith("file:///etc/passwd") for u in fetcher.refused)
    assert any(f"127.0.0.1:{listener.port}" in u for u in fetcher.refused)
    assert any("../../etc/passwd" in u or "etc/passwd" in u for u in fetcher.refused if u.startswith("eqia-asset"))
    assert any(u.startswith("data:") for u in fetcher.refused)


def test_welsh_and_urdu_are_drawn_in_the_bundled_fonts(world):
    assessment = world.make_assessment("full_assessment", title="Asesiad Effaith Cydraddoldeb ŵŷ",
                                       aims="مساوات کے اثرات کا جائزہ")
    data = version_pdfs.pdf_for(assessment).data
    assert "Cydraddoldeb ŵŷ" in text_of(data)
    with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
        names = {str(f.get("/BaseFont")) for p in pdf.pages for f in p.Resources.get("/Font", {}).values()}
    assert any("EqIA-Arabic" in n for n in names), names


@pytest.mark.xfail(strict=True, reason="WeasyPrint 70 maps some shaped Arabic-script glyphs (here ر) to no "
                                       "text, so Urdu does not read back exactly; known gap, see docs/accessibility.md")
def test_urdu_reads_back_exactly(world):
    assessment = world.make_assessment("full_assessment", aims="مساوات کے اثرات کا جائزہ")
    assert "اثرات" in text_of(version_pdfs.pdf_for(assessment).data).replace(" ", "")


# ------------------------------------------------------------------ Word copy

def docx_text(data: bytes) -> str:
    import io

    from docx import Document as WordDocument

    doc = WordDocument(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    return " ".join(" ".join(parts).split())


def test_the_word_copy_holds_the_same_content_with_real_headings(world, client, auth):
    assessment, written = filled(world)
    auth.sign_in(world.author)
    response = client.get(f"/assessments/{assessment.id}/docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-DRAFT.docx"')
    text = docx_text(response.data)
    missing = [value for value in written if value not in text]
    assert not missing, missing
    assert "DRAFT: not signed off" in text
    import io

    from docx import Document as WordDocument

    doc = WordDocument(io.BytesIO(response.data))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", assessment.title) in headings
    assert ("Heading 2", "Challenge ledger") in headings
    assert doc.core_properties.language == "en-GB"
    # Header rows repeat on each page.
    assert any(row._tr.trPr is not None and row._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
        for table in doc.tables for row in table.rows)


def test_the_word_copy_keeps_hostile_text_as_text(world, client, auth):
    text = "<script>alert(1)</script> & file:///etc/passwd\nSecond line"
    assessment = world.make_assessment("full_assessment", aims=text)
    auth.sign_in(world.author)
    got = docx_text(client.get(f"/assessments/{assessment.id}/docx").data)
    assert "<script>alert(1)</script> & file:///etc/passwd Second line" in got


# ------------------------------------------------------------ PAdES signature

def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed test certificate, made for the test (never a real one)."""
    from datetime import datetime, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo Borough Council test signing"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Demo Borough Council")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_with_a_configured_certificate_the_stored_pdf_is_signed_over_the_whole_file(make_app, tmp_path):
    import io

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from tests.conftest import World

    key, cert = make_certificate(tmp_path)
    app = make_app(EQIA_PDF_SIGNING_KEY=str(key), EQIA_PDF_SIGNING_CERT=str(cert))
    with app.app_context():
        world = World()
        assessment = world.make_assessment("signed_off")
        document = version_pdfs.pdf_for(fresh(assessment.id))
        assert document.signed
        reader = PdfFileReader(io.BytesIO(document.data))
        [embedded] = reader.embedded_signatures
        status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[load_cert_from_pemder(str(cert))]))
        assert status.intact and status.valid and status.trusted
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert "Demo Borough Council" in str(status.signing_cert.subject.human_friendly)
        # Still the accessible document it was.
        assert checks.problems(document.data) == []
        # A byte changed after signing breaks it.
        tampered = bytearray(document.data)
        i = tampered.find(b"/Title")
        tampered[i + 1] = ord("X")
        broken = validate_pdf_signature(PdfFileReader(io.BytesIO(bytes(tampered))).embedded_signatures[0],
                                        ValidationContext(trust_roots=[load_cert_from_pemder(str(cert))]))
        assert not (broken.intact and broken.coverage == SignatureCoverageLevel.ENTIRE_FILE)
