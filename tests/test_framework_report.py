"""A self-assessment's report for a committee (issue 18): module by module, this period's rating
beside last year's, as a tagged PDF and as Word from the same HTML; hostile evidence shown as
written and never fetched."""

from __future__ import annotations

import io

import pikepdf
from docx import Document as WordDocument

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.pdf import checks
from eqia.pdf.fetcher import BundledAssets
from eqia.pdf.layout import framework_report_html
from eqia.pdf.render import pdf_from_html
from eqia.services import framework_report
from tests.test_framework import rate, start
from tests.test_pdf import docx_text, listener, text_of  # noqa: F401 (listener: a fixture)
from tests.test_plans import HOSTILE, make

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pdf"
TITLE = "Equality Framework for Local Government (2021): self-assessment 2026/27"


def seeded(world):
    last = start(world, "2025/26")
    rate(world, last, "engagement", "excellent")
    rate(world, last, "leadership", "developing")
    found = start(world, "2026/27")
    plan = make(world)
    rate(world, found, "engagement", "developing", evidence="Residents' panel met twice")
    rate(world, found, "leadership", "achieving", evidence=f"Cabinet champion {HOSTILE}", links=f"PLAN-{plan.id}")
    rate(world, found, "wellbeing", "excellent")
    return found, plan


def test_the_counts_say_what_the_ratings_say(world):
    found, _ = seeded(world)
    counts = framework_report.report_context(world.author, found.id)["counts"]
    assert (counts.criteria, counts.rated, counts.gaps, counts.up, counts.down) == (15, 3, 13, 1, 1)


def test_the_pdf_sets_each_rating_beside_last_years_and_passes_the_accessibility_checks(client, auth, world):
    found, plan = seeded(world)
    auth.sign_in(world.author)  # any member of staff may read it
    response = client.get(f"/programme/framework/{found.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="self-assessment-{found.id}.pdf"'
    data = response.data
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "framework-report.pdf").write_bytes(data)
    assert checks.problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == TITLE
    text = "".join(text_of(data).split())
    for words in ("Self-assessment", "Summary", "Understanding and working with your communities",
                  "Diverse and engaged workforce", "Residents' panel met twice", f"Cabinet champion {HOSTILE}",
                  f"Linked: PLAN-{plan.id}"):
        assert "".join(words.split()) in text, words
    # Each row: number, criterion, this year, last year, the change.
    assert "1.3EffectivecommunityengagementDevelopingExcellentWorse" in text
    assert "2.1LeadershipAchievingDevelopingBetter" in text
    assert "4.4HealthandwellbeingatworkExcellentNotratedNewlyrated" in text.replace("-", "")


def test_hostile_evidence_is_shown_as_written_and_never_fetched(world, listener):  # noqa: F811
    found = start(world)
    rate(world, found, "engagement", "developing",
         evidence=f"<img src=\"http://127.0.0.1:{listener.port}/img\"> {HOSTILE}")
    fetcher = BundledAssets()
    data = pdf_from_html(framework_report_html(framework_report.report_context(world.lead, found.id)),
                         fetcher=fetcher)
    assert fetcher.refused == [] and listener.hits == 0
    assert f"http://127.0.0.1:{listener.port}/img" in "".join(text_of(data).split())


def test_the_pdf_is_in_welsh_for_a_reader_who_chose_welsh(client, auth, world):
    found, _ = seeded(world)
    world.lead.language = "cy"
    db.session.commit()
    auth.sign_in(world.lead)
    response = client.get(f"/programme/framework/{found.id}/report.pdf")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('-cy.pdf"')
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert str(pdf.Root.Lang) == "cy"
    assert checks.problems(response.data) == []
    text = text_of(response.data)
    for english in ("Summary", "Understanding and working with your communities", "Developing", "Evidence"):
        assert english not in text, english


def test_the_word_copy_has_the_pdfs_headings_and_rows(client, auth, world):
    found, plan = seeded(world)
    auth.sign_in(world.lead)
    response = client.get(f"/programme/framework/{found.id}/report.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="self-assessment-{found.id}.docx"'
    doc = WordDocument(io.BytesIO(response.data))
    assert doc.core_properties.title == TITLE
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Equality Framework for Local Government (2021)"), ("Heading 2", "Summary"),
                        ("Heading 2", "Understanding and working with your communities"),
                        ("Heading 2", "Leadership, partnership and organisational commitment"),
                        ("Heading 2", "Responsive services and customer care"),
                        ("Heading 2", "Diverse and engaged workforce")]
    [facts, counts, *modules] = doc.tables
    header, *rows = [[c.text for c in r.cells] for r in modules[0].rows]
    assert header == ["Number", "Criterion", "2026/27", "2025/26", "Change", "Evidence"]
    assert rows[2][:5] == ["1.3", "Effective community engagement", "Developing", "Excellent", "Worse"]
    leadership = [[c.text for c in r.cells] for r in modules[1].rows][1]
    assert leadership[5] == f"Cabinet champion {HOSTILE}\nLinked: PLAN-{plan.id}"
    assert 'w:tblHeader w:val="true"' in modules[0].rows[0]._tr.xml


def test_someone_signed_out_cannot_read_the_report(client, world):
    found, _ = seeded(world)
    for suffix in ("report.pdf", "report.docx"):
        response = client.get(f"/programme/framework/{found.id}/{suffix}")
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], suffix
