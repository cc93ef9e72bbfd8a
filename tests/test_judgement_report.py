"""A cumulative judgement as a document for the committee (issue 18: a budget round's cumulative EqIA is one
of the documents councils publish): a tagged PDF and Word from the same HTML, with the lead's words, the
signature and what each covered assessment found; hostile words shown as written; only for its readers."""

from __future__ import annotations

import io

import pikepdf
from docx import Document as WordDocument

from eqia.config import PROJECT_ROOT
from eqia.pdf import checks
from eqia.pdf.fetcher import BundledAssets
from eqia.pdf.layout import judgement_html
from eqia.pdf.render import pdf_from_html
from eqia.services import judgement_report
from tests.test_cumulative_judgements import BUDGET, HOSTILE, budget, signed, written  # noqa: F401 (a fixture)
from tests.test_pdf import docx_text, listener, text_of  # noqa: F401 (listener: a fixture)

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pdf"


def squeezed(text: str) -> str:
    """A word too long for its column breaks across lines, which the text reads as a space."""
    return "".join(text.split())


def test_the_signed_judgement_downloads_as_an_accessible_pdf_with_its_signature_and_findings(
        client, auth, world, budget):
    lighting, libraries = budget
    made = signed(world, written(world, conclusion=f"Proceed. {HOSTILE}"))
    auth.sign_in(world.decider)
    response = client.get(f"/programme/judgements/{made.id}/judgement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="cumulative-judgement-{made.id}-v1.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    data = response.data
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "cumulative-judgement.pdf").write_bytes(data)
    assert checks.problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == f"Cumulative equality impact: {BUDGET}, version 1"
    text = squeezed(text_of(data))
    for words in (BUDGET, "Cumulative equality impact judgement", "The combined effect on each group",
                  "Older people lose street lighting and library hours together.", f"Proceed. {HOSTILE}",
                  "Keep two libraries open late.", world.decider.name, made.content_hash,
                  f"{lighting.reference} v{lighting.version_number}", lighting.title, libraries.title,
                  "What they found for Age", f"{lighting.reference} v{lighting.version_number}NegativeHigh"):
        assert squeezed(words) in text, words
    assert squeezed("Not signed") not in text


def test_a_judgement_not_yet_signed_says_so(client, auth, world, budget):
    made = written(world)
    auth.sign_in(world.lead)
    text = squeezed(text_of(client.get(f"/programme/judgements/{made.id}/judgement.pdf").data))
    assert squeezed("Not signed: this judgement is in draft. It may still change.") in text
    assert squeezed("Content fingerprint") not in text


def test_hostile_words_are_shown_as_written_and_never_fetched(world, budget, listener):  # noqa: F811
    made = written(world, groups={"age": f"<img src=\"http://127.0.0.1:{listener.port}/img\"> {HOSTILE}"},
                   mitigations=f"</style><style>@import url(http://127.0.0.1:{listener.port}/import);")
    fetcher = BundledAssets()
    data = pdf_from_html(judgement_html(judgement_report.report_context(world.lead, made.id)), fetcher=fetcher)
    assert fetcher.refused == [] and listener.hits == 0
    text = squeezed(text_of(data))
    assert f"http://127.0.0.1:{listener.port}/img" in text and "@importurl(" in text and "'OR1=1--" in text


def test_the_word_copy_has_the_pdfs_headings_and_tables(client, auth, world, budget):
    made = signed(world, written(world))
    auth.sign_in(world.lead)
    response = client.get(f"/programme/judgements/{made.id}/judgement.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="cumulative-judgement-{made.id}-v1.docx"'
    doc = WordDocument(io.BytesIO(response.data))
    assert doc.core_properties.title == f"Cumulative equality impact: {BUDGET}, version 1"
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:5] == [("Heading 1", BUDGET), ("Heading 2", "The combined effect on each group"),
                            ("Heading 2", "Overall conclusion"), ("Heading 2", "What the council will do"),
                            ("Heading 2", "The assessments it is based on")]
    facts = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert ["Signed by", world.decider.name] in facts and ["Content fingerprint (SHA-256)", made.content_hash] in facts
    assert "Older people lose street lighting and library hours together." in docx_text(response.data)


def test_the_page_links_to_the_downloads_and_only_readers_get_them(client, auth, world, budget):
    made = written(world)
    auth.sign_in(world.lead)
    page = client.get(f"/programme/judgements/{made.id}").get_data(as_text=True)
    assert f"/programme/judgements/{made.id}/judgement.pdf" in page
    assert f"/programme/judgements/{made.id}/judgement.docx" in page
    auth.sign_out()
    auth.sign_in(world.author)
    for kind in ("pdf", "docx"):
        assert client.get(f"/programme/judgements/{made.id}/judgement.{kind}").status_code in (403, 404)
