"""A document rendered in parts at once and put back together (eqia/pdf/assemble.py):
the joined PDF must be the document rendered whole, page for page, tag for tag."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess

import pikepdf
import pytest

from eqia.pdf import assemble, checks, tagging
from eqia.services.pdf_document import html_for
from eqia.pdf.render import document_from_html, pdf_from_html
from eqia.pdf.worker import Pool, RenderTimedOut
from eqia.services.assessments import update_register_details
from tests.test_pdf import filled, fresh, lock

# Cutting, rendering and joining HTML: the database only supplies the document.
pytestmark = pytest.mark.one_database


def pages_text(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return [" ".join(page.split()) for page in out.split("\f")[:-1]]


def outline_titles(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    """(depth, title, page number, count) of every bookmark, in order."""
    pages = {page.objgen: n for n, page in enumerate(pdf.pages, start=1)}
    found = []

    def walk(item, depth):
        while item is not None:
            found.append((depth, str(item.Title), pages[item.Dest[0].objgen], int(item.get("/Count", 0))))
            if "/First" in item:
                walk(item.First, depth + 1)
            item = item.get("/Next")

    walk(pdf.Root.Outlines.get("/First"), 0)
    return found


def destinations(pdf: pikepdf.Pdf) -> dict[str, int]:
    pages = {page.objgen: n for n, page in enumerate(pdf.pages, start=1)}
    names = pdf.Root.Names.Dests.Names
    return {str(names[i]): pages[names[i + 1][0].objgen] for i in range(0, len(names), 2)}


def structure_types(pdf: pikepdf.Pdf) -> list[str]:
    """The structure tree's element types, depth first in reading order."""
    found = []

    def walk(element):
        found.append(str(element.S))
        for kid in tagging.children(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    for kid in tagging.children(pdf.Root.StructTreeRoot):
        walk(kid)
    return found


@pytest.fixture
def document(world):
    assessment, _ = filled(world)
    return html_for(assessment)


def test_the_parts_are_whole_sections_and_together_are_the_document(document):
    page, _ = document
    head, chunks, tail = assemble.split(page)
    assert len(chunks) == 4  # up to the groups; the groups to the actions; the review record; the audit appendix
    body = page[len(head):len(page) - len(tail)]
    assert re.sub(r"\s+", "", "".join(chunks)) == re.sub(r"\s+", "", body.replace(assemble.PART_BREAK, ""))
    assert assemble.parts(page, 1) == [page]
    for most in (2, 3, 4, 9):
        pieces = assemble.parts(page, most)
        assert len(pieces) == min(most, 4)
        for piece in pieces:
            assert piece.startswith(head) and piece.endswith(tail)
        # Every section is in exactly one piece, in order.
        joined = "".join(p[len(head):len(p) - len(tail)] for p in pieces)
        assert joined == "".join(chunks)
    # Two pieces: the cut that makes the longer of the two shortest.
    two = [len(p) for p in assemble.parts(page, 2)]
    sizes = [len(c) for c in chunks]
    assert max(two) - len(head) - len(tail) == min(max(sum(sizes[:k]), sum(sizes[k:])) for k in range(1, 4))


def test_what_a_user_types_cannot_make_a_part_break(world):
    hostile = f"Aims {assemble.PART_BREAK} and </body> and <body class=x> in the text"
    assessment = world.make_assessment()
    update_register_details(assessment.id, world.author, {"aims": hostile}, lock(assessment.id))
    page, extra = html_for(fresh(assessment.id))
    _, chunks, _ = assemble.split(page)
    assert len(chunks) == 4  # every state shows every part: the first, the groups, the review record, the appendix
    assert not any(assemble.PART_BREAK in c for c in chunks)
    assert hostile in " ".join(pages_text(document_from_html(page, extra)))


def test_the_document_rendered_in_parts_is_the_document_rendered_whole(document):
    page, extra = document
    whole = document_from_html(page, extra)
    pieces = assemble.parts(page, 3)
    joined = assemble.assemble([pdf_from_html(p, extra) for p in pieces])
    assert checks.problems(joined) == [] and checks.problems(whole) == []
    assert pages_text(joined) == pages_text(whole)  # every page, footer numbers included
    with pikepdf.open(io.BytesIO(joined)) as a, pikepdf.open(io.BytesIO(whole)) as b:
        assert outline_titles(a) == outline_titles(b) and a.Root.Outlines.Count == b.Root.Outlines.Count
        assert destinations(a) == destinations(b)
        assert structure_types(a) == structure_types(b)
        assert str(a.Root.Lang) == "en-GB" and a.docinfo.Title == b.docinfo.Title
        nums = a.Root.StructTreeRoot.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert keys == sorted(set(keys))  # no key used twice, in order, as a number tree must be
        assert sorted(int(p.StructParents) for p in a.pages) == list(range(len(a.pages)))
        # The joined tree is one tree: every element's parent is the element it hangs from.
        for element, parent in tagging.struct_elements(a):
            assert element.P.objgen == (parent.objgen if parent is not None
                                        else a.Root.StructTreeRoot.objgen)
        # One page tree: nothing of a later part's own page tree came along with its pages.
        assert sum(1 for o in a.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Pages") == 1
        assert all(p.Parent.objgen == a.Root.Pages.objgen for p in a.pages)


def test_every_page_is_numbered_of_the_whole_as_an_artifact(document):
    page, extra = document
    data = assemble.assemble([pdf_from_html(p, extra) for p in assemble.parts(page, 2)])
    texts = pages_text(data)
    for number, text in enumerate(texts, start=1):
        assert text.endswith(f"Equality impact assessment: Equality Act 2010, s.149 Page {number} of {len(texts)}"), \
            text[-80:]
    assert checks.problems(data) == []  # the numbers are artifacts, and their font is embedded
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for p in pdf.pages:
            drawn = b"".join(s.read_bytes() for s in p.obj.Contents)
            numbers = re.findall(rb"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n.*?\((Page \d+ of \d+)\) Tj",
                                 drawn, re.S)
            assert len(numbers) == 1
        font = pdf.pages[0].Resources.Font[assemble.FONT_RESOURCE]
        assert "/FontFile2" in font.FontDescriptor and str(font.BaseFont).startswith(f"/{assemble.FONT_TAG}+")


def test_numbers_drawn_as_content_would_be_caught(document):
    """The checker fails on a page number that is not an artifact: the assembly's wrapper is what passes it."""
    page, extra = document
    data = assemble.assemble([pdf_from_html(page, extra)])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for p in pdf.pages:
            last = p.obj.Contents[-1]
            last.write(last.read_bytes().replace(b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC", b"")
                       .replace(b"EMC\n", b""))
        out = io.BytesIO()
        pdf.save(out)
    assert any("neither tagged nor an artifact" in p for p in checks.problems(out.getvalue()))


def test_a_pool_of_two_renders_the_parts_at_once_on_both(document):
    page, extra = document
    pool = Pool(2)
    try:
        data = pool.render_document(page, extra)
        assert pages_text(data) == pages_text(document_from_html(page, extra))
        assert checks.problems(data) == []
        assert len(pool.pids()) == 2 and all(w.renders == 1 for w in pool._all)
        # Both busy elsewhere is not needed: with one worker free, the document renders whole on it.
        held = pool._idle.get()
        try:
            assert pages_text(pool.render_document(page, extra)) == pages_text(data)
        finally:
            pool._idle.put(held)
        assert sorted(w.renders for w in pool._all) == [1, 2]
    finally:
        pool.close()


def test_one_part_over_its_time_limit_stops_them_all_and_the_pool_goes_on(document):
    page, extra = document
    pool = Pool(2, timeout=0.001)  # no real document renders this fast
    try:
        with pytest.raises(RenderTimedOut):
            pool.render_document(page, extra)
        assert pool.pids() == []  # the overrunning worker, and the other whose answer was still to come
        pool.timeout = 120
        assert pages_text(pool.render_document(page, extra)) == pages_text(document_from_html(page, extra))
    finally:
        pool.close()


def test_ids_stay_unique_and_every_header_reference_resolves_when_parts_are_joined(document):
    """WeasyPrint names header cells after its own object numbers, which each part counts afresh:
    the same piece joined to itself has every id twice unless the join renames them."""
    page, extra = document
    piece = pdf_from_html(page, extra)
    assert checks.element_ids(pikepdf.open(io.BytesIO(piece))) == []
    twice = assemble.assemble([piece, piece])
    with pikepdf.open(io.BytesIO(twice)) as pdf:
        assert checks.element_ids(pdf) == []
        ids = [bytes(e.ID) for e, _ in tagging.struct_elements(pdf) if "/ID" in e]
        assert ids and len(ids) == len(set(ids))
        names = pdf.Root.StructTreeRoot.IDTree.Names
        keys = [bytes(names[i]) for i in range(0, len(names), 2)]
        assert keys == sorted(ids)
        # A data cell's /Headers names a header cell of its own part: the second copy's cells, the second's.
        half = len(pdf.pages) // 2
        pages = {p.objgen: n for n, p in enumerate(pdf.pages)}
        checked = 0
        for element, _ in tagging.struct_elements(pdf):
            for attributes in tagging.attribute_dicts(element):
                for header in attributes.get("/Headers", []):
                    cell = names[keys.index(bytes(header)) * 2 + 1]
                    assert cell.S == "/TH"
                    assert bytes(header).startswith(b"part2-") == (pages[element.Pg.objgen] >= half)
                    checked += 1
        assert checked > 0


def test_the_checker_finds_a_repeated_id_an_unlisted_one_and_a_header_reference_to_nothing(document):
    page, extra = document
    with pikepdf.open(io.BytesIO(pdf_from_html(page, extra))) as pdf:
        cells = [e for e, _ in tagging.struct_elements(pdf) if "/ID" in e]
        cells[1].ID = cells[0].ID
        del pdf.Root.StructTreeRoot["/IDTree"]
        data_cell = next(e for e, _ in tagging.struct_elements(pdf)
                         if any("/Headers" in a for a in tagging.attribute_dicts(e)))
        next(a for a in tagging.attribute_dicts(data_cell) if "/Headers" in a).Headers = pikepdf.Array(
            [pikepdf.String("no-such-cell")])
        found = checks.element_ids(pdf)
    assert any("more than once" in p for p in found)
    assert any("not in the /IDTree" in p for p in found)
    assert any("name no element" in p for p in found)


def test_each_parts_font_subset_has_a_name_of_its_own(document):
    page, extra = document
    joined = assemble.assemble([pdf_from_html(p, extra) for p in assemble.parts(page, 2)])
    programs: dict[str, set[bytes]] = {}
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and font.get("/Type") == "/Font" and "/BaseFont" in font:
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                program = described.FontDescriptor.FontFile2.read_bytes()
                assert str(described.FontDescriptor.FontName) == str(font.BaseFont)
                programs.setdefault(str(font.BaseFont), set()).add(hashlib.sha256(program).digest())
    assert len(programs) > 3  # the footer's, and each part's own subsets of the regular and bold
    assert all(len(hashes) == 1 for hashes in programs.values()), programs  # one name, one program


def test_a_link_and_its_target_are_never_put_in_different_pieces():
    head, tail = '<html><body class="draft">', "</body></html>"
    chunks = [f'<section class="part" id="s{i}"><h2>Part {i}</h2>{"x" * 1000}</section>' for i in range(4)]

    def page(links: dict[int, str]) -> str:
        return head + assemble.PART_BREAK.join(c + (f'<a href="#{links[i]}">see</a>' if i in links else "")
                                               for i, c in enumerate(chunks)) + tail

    assert len(assemble.parts(page({}), 2)) == 2
    assert assemble.parts(page({0: "s3"}), 4) == [page({0: "s3"})]  # every cut would part them: whole
    pieces = assemble.parts(page({0: "s1"}), 4)
    assert len(pieces) == 3 and 'href="#s1"' in pieces[0] and 'id="s1"' in pieces[0]
    pieces = assemble.parts(page({3: "s2"}), 2)
    assert any('href="#s2"' in p and 'id="s2"' in p for p in pieces)


def test_the_number_sits_on_the_footers_line_and_the_headers_right_edge(document):
    """Where print.css puts the rest of the running header and footer: the same baseline as the footer's
    left box, the same right edge as the header's right box. A change to the page margins moves both."""
    page, extra = document
    data = document_from_html(page, extra)
    out = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-bbox", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode("utf-8")
    words = {m[4]: tuple(map(float, m[:4])) for m in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', out)}
    total = str(len(pages_text(data)))
    assert abs(words["Page"][1] - words["Equality"][1]) < 0.05 and abs(words["Page"][3] - words["Equality"][3]) < 0.05
    assert abs(words[total][2] - words["off"][2]) < 0.05  # "DRAFT: not signed off", top right


def test_a_piece_whose_worker_dies_twice_is_a_render_failure_and_no_worker_is_lost(document, monkeypatch):
    from eqia.pdf import worker as workers

    page, extra = document
    pool = Pool(2)
    try:
        def dies(self, deadline, limit):
            self.process.kill()
            self.process.wait()
            raise EOFError("the PDF worker closed its pipe")

        monkeypatch.setattr(workers.Worker, "receive", dies)
        with pytest.raises(workers.RenderFailed, match="stopped twice"):
            pool.render_document(page, extra)
        monkeypatch.undo()
        assert pool._idle.qsize() == 2  # both slots back, to be replaced on next use
        assert pages_text(pool.render_document(page, extra)) == pages_text(document_from_html(page, extra))
    finally:
        pool.close()
