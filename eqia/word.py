"""The EqIA (and the other documents the service prints) as Word, for councils that paste
them into committee reports.

Built from the PDF's own HTML, so the two can never say different things:
headings become Word headings, lists become lists, tables become tables with a
repeating header row, and the running header says DRAFT until the version is
signed. Only the handful of elements the PDF template uses are understood;
everything in them is text (the HTML escaped what users wrote, and the parser
unescapes it again, so it reaches Word exactly as typed).
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

from docx import Document as WordDocument
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from flask_babel import gettext as _

from eqia.i18n import current_language
from eqia.models import Assessment

SKIPPED = {"head", "style", "title", "script"}
# Word's own name for each language (the PDF's <html lang> says "cy"; Word knows Welsh as "cy-GB").
WORD_LANGUAGES = {"en": "en-GB", "cy": "cy-GB"}


def _collapse(text: str) -> str:
    if not text.strip():
        return " " if text else ""
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return lead + " ".join(text.split()) + trail


class _Builder(HTMLParser):
    def __init__(self, doc) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.skip = 0
        self.paragraph = None  # the paragraph text is going into
        self.bold = 0
        self.list_depth = 0
        self.table_rows: list[list[tuple[str, bool]]] | None = None
        self.header_rows = 0
        self.row: list[tuple[str, bool]] | None = None
        self.cell: list[str] | None = None
        self.cell_is_header = False
        self.in_head = False
        self.caption: list[str] | None = None
        self.spans: list[bool] = []  # for each open span: does it keep its line breaks (class "pre")?

    # --------------------------------------------------------------- parsing
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED:
            self.skip += 1
        if self.skip:
            return
        if tag in ("h1", "h2", "h3"):
            self.paragraph = self.doc.add_heading(level=int(tag[1]))
        elif tag == "p":
            self.paragraph = self.doc.add_paragraph()
        elif tag == "ul":
            self.list_depth += 1
        elif tag == "li":
            self.paragraph = self.doc.add_paragraph(style="List Bullet")
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag == "span":
            self.spans.append("pre" in (attrs.get("class") or "").split())
        elif tag == "br":
            if self.cell is not None:
                self.cell.append("\n")
            elif self.paragraph is not None:
                self.paragraph.add_run().add_break(WD_BREAK.LINE)
        elif tag == "table":
            self.table_rows, self.header_rows = [], 0
        elif tag == "caption":
            self.caption = []
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell, self.cell_is_header = [], tag == "th"
        elif tag == "img" and attrs.get("alt"):
            self.doc.add_paragraph(attrs["alt"])

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip -= 1
            return
        if self.skip:
            return
        if tag in ("h1", "h2", "h3", "p", "li"):
            self.paragraph = None
        elif tag == "ul":
            self.list_depth -= 1
        elif tag in ("strong", "b"):
            self.bold -= 1
        elif tag == "span" and self.spans:
            self.spans.pop()
        elif tag == "caption":
            text = "".join(self.caption or []).strip()
            self.caption = None
            if text:
                self.doc.add_paragraph(text, style="Caption")
        elif tag == "thead":
            self.in_head = False
        elif tag in ("th", "td") and self.row is not None and self.cell is not None:
            self.row.append(("".join(self.cell).strip(), self.cell_is_header))
            self.cell = None
        elif tag == "tr" and self.table_rows is not None and self.row is not None:
            self.table_rows.append(self.row)
            if self.in_head:
                self.header_rows += 1
            self.row = None
        elif tag == "table" and self.table_rows is not None:
            self._table(self.table_rows, self.header_rows)
            self.table_rows = None

    def handle_data(self, data):
        if self.skip:
            return
        if not any(self.spans):
            # Template layout, not the user's text: whitespace runs read as one space.
            data = _collapse(data)
        if self.caption is not None:
            self.caption.append(data)
        elif self.cell is not None:
            self.cell.append(data)
        elif self.paragraph is not None:
            if not data.strip() and not self.paragraph.text:
                return
            lines = data.split("\n")
            for i, line in enumerate(lines):
                run = self.paragraph.add_run(line)
                run.bold = bool(self.bold) or None
                if i < len(lines) - 1:
                    run.add_break(WD_BREAK.LINE)

    # --------------------------------------------------------------- output
    def _table(self, rows, header_rows) -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, (text, is_header) in enumerate(row):
                cell = table.cell(r, c)
                lines = text.split("\n")
                paragraph = cell.paragraphs[0]
                for i, line in enumerate(lines):
                    run = paragraph.add_run(line.strip())
                    run.bold = is_header or None
                    if i < len(lines) - 1:
                        run.add_break(WD_BREAK.LINE)
            if r < header_rows:
                # Word repeats a header row on every page it breaks across.
                properties = table.rows[r]._tr.get_or_add_trPr()
                marker = OxmlElement("w:tblHeader")
                marker.set(qn("w:val"), "true")
                properties.append(marker)
        self.doc.add_paragraph()


def docx_for(assessment: Assessment, page_html: str, *, draft: bool) -> bytes:
    """The document in the language being written (eqia.services.version_pdfs.docx_for chooses it)."""
    return docx_from_html(
        page_html, title=f"{assessment.display_reference}: {assessment.title}",
        subject=_("Equality impact assessment (draft)") if draft else _("Equality impact assessment"),
        header=assessment.display_reference, warning=_("DRAFT: not signed off") if draft else "")


def docx_from_html(page_html: str, *, title: str, subject: str, header: str = "", warning: str = "") -> bytes:
    """Any of the service's PDF documents as Word, from its HTML, in the language being written:
    `header` runs at the top of every page, followed by `warning` in bold red when there is one."""
    language = WORD_LANGUAGES.get(current_language(), "en-GB")
    doc = WordDocument()
    doc.core_properties.title = title
    doc.core_properties.language = language
    doc.core_properties.subject = subject
    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(11)
    # The document's language, for spelling and for screen readers.
    rpr = styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    rpr.append(lang)
    running = doc.sections[0].header.paragraphs[0]
    running.text = header + (f"  {warning}" if warning else "")
    if warning:
        for run in running.runs:
            run.bold = True
            run.font.color.rgb = RGBColor(0xB1, 0x0E, 0x1E)
    _Builder(doc).feed(page_html)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
