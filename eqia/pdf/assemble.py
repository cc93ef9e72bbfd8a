"""A document rendered in parts, at once, and put back together as one tagged PDF.

Why: WeasyPrint lays out and draws a document on one core. A 49-page EqIA took
2.3 s that way, over the 2 s the PDF issue sets, with the machine's other core
idle. So the template marks where the document's parts begin (`PART_BREAK`,
before the analysis of each group, the review record and the audit appendix),
and each part starts a new page whether it is rendered alone or in the whole
document: a part lays out the same either way. `parts` cuts the HTML into as
many documents as there are free workers, balanced by their length and never
parting a link from its target (a piece drops links it cannot resolve); each is
rendered and tagged on its own (eqia.pdf.render, eqia.pdf.tagging), and
`assemble` joins the results:
- the pages, in order;
- the structure trees: each later part's sections become children of the
  first part's /Document element, its parent-tree keys moved past the first's,
  its element ids (and the /Headers naming them) prefixed with its number;
- the outlines (bookmarks) and named destinations;
- each font subset named by its own program, not by WeasyPrint's per-font tag;
- then "Page X of Y" on every page, which no part can know alone, drawn here
  as a pagination artifact in an embedded subset of the document's font.

One part is assembled the same way (numbered), so every PDF has one footer,
from one place. User content cannot make a part break: everything the user
wrote is escaped, so "<!--" in a field reaches the HTML as "&lt;!--".
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from functools import lru_cache

import pikepdf
from pikepdf import Array, Dictionary, Name

from eqia.pdf.fetcher import BUNDLED
from eqia.pdf import tagging
from eqia.pdf.tagging import children

PART_BREAK = "<!--eqia:part-->"
BODY_OPEN = re.compile(r"<body\b[^>]*>")
# The template's own attributes: a user's quotes reach the HTML as &#34;, so typed text cannot match.
ANCHOR = re.compile(r'\sid="([^"]+)"')
LINK = re.compile(r'\shref="#([^"]+)"')

# The footer's number, as print.css's margin boxes set the rest of the footer:
# 8.5pt, #505a5f, line-height 1.4, centred in the 20 mm bottom margin, its right
# edge on the 18 mm right margin of an A4 page.
MM = 72 / 25.4
FONT_SIZE = 8.5
LINE_HEIGHT = 1.4
BOTTOM_MARGIN = 20 * MM
RIGHT_MARGIN = 18 * MM
COLOUR = (0x50 / 255, 0x5A / 255, 0x5F / 255)
FONT_RESOURCE = Name("/EqiaPageNumber")
# "Page X of Y" in each language the documents are written in, chosen by the document's own
# /Lang (its <html lang>): this runs in a PDF worker, outside any request.
FOOTERS = {"cy": "Tudalen {number} o {total}"}
FOOTER = "Page {number} of {total}"
FOOTER_CHARS = "Page of Tudalen0123456789"
FONT_TAG = "EQIAPN"  # a subset's six-letter tag, as PDF asks of a subset font's name


def split(page: str) -> tuple[str, list[str], str]:
    """The HTML before the body's content, the parts' content, and what follows it."""
    opened = BODY_OPEN.search(page)
    closed = page.rfind("</body>")
    if opened is None or closed < opened.end():
        return "", [page], ""
    chunks = [c for c in page[opened.end():closed].split(PART_BREAK) if c.strip()]
    return page[:opened.end()], chunks, page[closed:]


def _joined_cuts(chunks: list[str]) -> set[int]:
    """Cuts (before chunk k) that would part a link from its target: WeasyPrint,
    rendering a piece alone, drops a link whose target is in another piece."""
    where = {name: i for i, chunk in enumerate(chunks) for name in ANCHOR.findall(chunk)}
    joined = set()
    for i, chunk in enumerate(chunks):
        for target in LINK.findall(chunk):
            if target in where and where[target] != i:
                joined.update(range(min(i, where[target]) + 1, max(i, where[target]) + 1))
    return joined


def parts(page: str, most: int) -> list[str]:
    """The document as at most `most` documents, each a run of whole parts, cut
    where the longest run is shortest (HTML length stands in for render time),
    and never between a link and its target."""
    head, chunks, tail = split(page)
    if most <= 1 or len(chunks) <= 1:
        return [page]
    cuts = sorted(set(range(1, len(chunks))) - _joined_cuts(chunks))
    n = min(most, len(cuts) + 1)
    if n <= 1:
        return [page]
    best = None
    for chosen in itertools.combinations(cuts, n - 1):
        bounds = (0, *chosen, len(chunks))
        runs = [chunks[a:b] for a, b in zip(bounds, bounds[1:])]
        cost = max(sum(map(len, run)) for run in runs)
        if best is None or cost < best[0]:
            best = (cost, runs)
    return [head + "".join(run) + tail for run in best[1]]


def _document_element(pdf: pikepdf.Pdf) -> Dictionary:
    kids = children(pdf.Root.StructTreeRoot)
    documents = [k for k in kids if isinstance(k, Dictionary) and k.get("/S") == Name.Document]
    if len(documents) != 1:
        raise ValueError("a part's structure tree has no single /Document element to join")
    return documents[0]


def _nums(pdf: pikepdf.Pdf) -> Array:
    tree = pdf.Root.StructTreeRoot.ParentTree
    if "/Kids" in tree:  # WeasyPrint writes one flat number tree; say so if that ever changes
        raise ValueError("a part's parent tree is not flat")
    return tree.Nums


def _indirect(pdf: pikepdf.Pdf, obj):
    return obj if obj.is_indirect else pdf.make_indirect(obj)


def _prefix_ids(sections: list, prefix: bytes) -> tuple[list[tuple[bytes, Dictionary]], bool]:
    """Every element id in a later part, and every table cell's /Headers naming
    one, prefixed: WeasyPrint names header cells after its own object numbers,
    which each part counts from one, and an id must be unique in the tree.
    Returns the part's (id, element) pairs, and whether it has an H1."""
    named, title = [], False
    stack = list(sections)
    while stack:
        element = stack.pop()
        if not isinstance(element, Dictionary) or "/S" not in element:
            continue
        title = title or element.S == Name.H1
        if "/ID" in element:
            element.ID = pikepdf.String(prefix + bytes(element.ID))
            named.append((bytes(element.ID), element))
        for attributes in tagging.attribute_dicts(element):
            if "/Headers" in attributes:
                attributes.Headers = Array([pikepdf.String(prefix + bytes(h)) for h in attributes.Headers])
        stack.extend(children(element))
    return named, title


def _join_structure(first: pikepdf.Pdf, other: pikepdf.Pdf, start: int, part: int) -> bool:
    """Move the other part's pages and structure into the first. `start` is the
    index of its first page in the first part, once appended; `part` its number.
    True if the part has an H1."""
    document, nums = _document_element(first), _nums(first)
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    offset = max(keys, default=-1) + 1
    sections = children(_document_element(other))
    for section in sections:  # detached, so copying them does not copy the other tree's root
        if "/P" in section:
            del section["/P"]
    first.pages.extend(other.pages)  # the copier remembers these: /Pg below points at the copies
    if not isinstance(document.get("/K"), Array):
        document.K = Array(children(document))
    copied = list(first.copy_foreign(other.make_indirect(Array(sections))))
    named, title = _prefix_ids(copied, f"part{part}-".encode("ascii"))
    _add_to_id_tree(first, named)
    for section in copied:
        section.P = document
        document.K.append(section)
    for page in first.pages[start:]:
        if "/StructParents" in page:
            page.StructParents = int(page.StructParents) + offset
        for annotation in page.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset
    theirs = _nums(other)
    for i in range(0, len(theirs), 2):
        nums.append(int(theirs[i]) + offset)
        nums.append(first.copy_foreign(_indirect(other, theirs[i + 1])))
    if "/ParentTreeNextKey" in first.Root.StructTreeRoot:
        first.Root.StructTreeRoot.ParentTreeNextKey = max(keys + [int(theirs[i]) + offset
                                                                  for i in range(0, len(theirs), 2)]) + 1
    return title


def _add_to_id_tree(pdf: pikepdf.Pdf, named: list[tuple[bytes, Dictionary]]) -> None:
    """The part's ids into the /IDTree `tagging.finish` wrote for the first, kept in key order."""
    if not named:
        return
    root = pdf.Root.StructTreeRoot
    if "/IDTree" not in root:
        root.IDTree = pdf.make_indirect(Dictionary(Names=Array()))
    root.IDTree.Names = tagging.names_array([*tagging.name_pairs(root.IDTree.Names), *named])


def _join_outlines(first: pikepdf.Pdf, other: pikepdf.Pdf, has_title: bool) -> None:
    """The other part's bookmarks after the first's. WeasyPrint nests them by
    heading level, so the whole document's H2s sit under its H1: a later part,
    which begins with an H2 section and has no H1, goes under the first part's
    last top-level bookmark, as it would have in the whole."""
    theirs = other.Root.get("/Outlines")
    if theirs is None or "/First" not in theirs:
        return
    item = theirs.First
    while True:  # detached from their root, so copying them does not copy it
        if "/Parent" in item:
            del item["/Parent"]
        if "/Next" not in item:
            break
        item = item.Next
    if "/Outlines" not in first.Root:
        first.Root.Outlines = first.make_indirect(Dictionary(Type=Name.Outlines, Count=0))
    root = first.Root.Outlines
    parent = root.Last if "/Last" in root and not has_title else root
    head = first.copy_foreign(theirs.First)
    item, last = head, head
    while True:
        item.Parent = parent
        last = item
        if "/Next" not in item:
            break
        item = item.Next
    if "/Last" in parent:
        parent.Last.Next = head
        head.Prev = parent.Last
    else:
        parent.First = head
    parent.Last = last
    shown = abs(int(theirs.get("/Count", 0)))
    if parent is root:
        root.Count = int(root.get("/Count", 0)) + shown
    elif int(parent.get("/Count", 0)) < 0:  # a closed bookmark: its count is of what opening it shows
        parent.Count = int(parent.Count) - shown
    else:
        parent.Count = int(parent.get("/Count", 0)) + shown
        root.Count = int(root.get("/Count", 0)) + shown


def _join_destinations(first: pikepdf.Pdf, other: pikepdf.Pdf) -> None:
    try:
        theirs = other.Root.Names.Dests.Names
    except AttributeError:
        return
    copied = first.copy_foreign(other.make_indirect(Array(list(theirs))))
    if "/Names" not in first.Root:
        first.Root.Names = Dictionary()
    if "/Dests" not in first.Root.Names:
        first.Root.Names.Dests = Dictionary(Names=Array())
    first.Root.Names.Dests.Names = tagging.names_array([*tagging.name_pairs(first.Root.Names.Dests.Names),
                                                        *tagging.name_pairs(copied)])


SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+(.+)$")


def _retag_subsets(pdf: pikepdf.Pdf) -> None:
    """A subset font's six-letter tag from its own program. WeasyPrint makes the
    tag from the font's description, so each part's different subset of one
    font would share a name, which PDF forbids (ISO 32000-1, 9.6.4)."""
    for font in pdf.objects:
        if not isinstance(font, Dictionary) or font.get("/Type") != Name.Font or "/BaseFont" not in font:
            continue
        named = SUBSET_NAME.match(str(font.BaseFont))
        if named is None or str(font.BaseFont).startswith(f"/{FONT_TAG}+"):
            continue
        described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = described.get("/FontDescriptor")
        program = next((descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile")
                        if descriptor is not None and k in descriptor), None)
        if program is None:
            continue
        digest = hashlib.sha256(program.read_raw_bytes()).digest()
        name = Name("/" + "".join(chr(65 + b % 26) for b in digest[:6]) + "+" + named[1])
        font.BaseFont = name
        described.BaseFont = name
        descriptor.FontName = name


@lru_cache(maxsize=1)
def _footer_font() -> tuple[bytes, dict]:
    """NotoSans Regular cut down to the footer's characters, and its metrics."""
    from fontTools import subset, ttLib

    font = ttLib.TTFont(str(BUNDLED["fonts/NotoSans-Regular.ttf"][0]))
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=FOOTER_CHARS)
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = {c: round(font["hmtx"][cmap[ord(c)]][0] * scale) for c in set(FOOTER_CHARS)}
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    name = font["name"].getDebugName(6) or "NotoSans-Regular"
    data = io.BytesIO()
    font.save(data)
    return data.getvalue(), {
        "name": f"{FONT_TAG}+{name}", "widths": widths,
        "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
        "ascent": round(hhea.ascent * scale), "descent": round(hhea.descent * scale),
        "cap_height": round(getattr(os2, "sCapHeight", hhea.ascent) * scale),
    }


def prepare() -> None:
    """Cut the footer's font now (a quarter of a second, once a process), not in a user's first download."""
    _footer_font()


def _font(pdf: pikepdf.Pdf) -> Dictionary:
    data, m = _footer_font()
    first, last = 32, max(ord(c) for c in FOOTER_CHARS)
    program = pikepdf.Stream(pdf, data)
    program.Length1 = len(data)
    to_unicode = pikepdf.Stream(pdf, _to_unicode(sorted(set(FOOTER_CHARS))))
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name("/" + m["name"]), Flags=32,
                            FontBBox=Array(m["bbox"]), ItalicAngle=0, Ascent=m["ascent"], Descent=m["descent"],
                            CapHeight=m["cap_height"], StemV=80, FontFile2=program)
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/" + m["name"]), FirstChar=first, LastChar=last,
        Widths=Array([m["widths"].get(chr(code), 0) for code in range(first, last + 1)]),
        Encoding=Name.WinAnsiEncoding, FontDescriptor=pdf.make_indirect(descriptor), ToUnicode=to_unicode))


def _to_unicode(chars: list[str]) -> bytes:
    entries = "\n".join(f"<{ord(c):02X}> <{ord(c):04X}>" for c in chars)
    return (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
            + f"{len(chars)} beginbfchar\n{entries}\nendbfchar\n".encode("ascii")
            + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")


def number_pages(pdf: pikepdf.Pdf) -> None:
    """"Page X of Y" at the foot of every page, right-aligned, as an artifact."""
    _, m = _footer_font()
    font = _font(pdf)
    em = FONT_SIZE / 1000
    line = FONT_SIZE * LINE_HEIGHT
    half_leading = (line - (m["ascent"] - m["descent"]) * em) / 2
    baseline = BOTTOM_MARGIN / 2 + line / 2 - half_leading - m["ascent"] * em
    total = len(pdf.pages)
    language = str(pdf.Root.get("/Lang", "")).split("-")[0].lower()
    footer = FOOTERS.get(language, FOOTER)
    for number, page in enumerate(pdf.pages, start=1):
        text = footer.format(number=number, total=total)
        width = sum(m["widths"][c] for c in text) * em
        trim = [float(v) for v in page.trimbox]  # the page as cut: bleed, if any, lies outside it
        x = trim[2] - RIGHT_MARGIN - width
        if "/Resources" not in page.obj:
            page.obj.Resources = Dictionary()
        resources = page.obj.Resources
        if "/Font" not in resources:
            resources.Font = Dictionary()
        resources.Font[FONT_RESOURCE] = font
        r, g, b = COLOUR
        drawn = (f"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\nq BT {FONT_RESOURCE} {FONT_SIZE} Tf "
                 f"{r:.3f} {g:.3f} {b:.3f} rg {x:.2f} {trim[1] + baseline:.2f} Td ({text}) Tj ET Q\nEMC\n")
        # The page's own drawing is wrapped in q/Q, so nothing it leaves set moves the number.
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, drawn.encode("ascii")), prepend=False)


def assemble(rendered: list[bytes]) -> bytes:
    """The parts (each a finished, tagged PDF) as one PDF, pages numbered."""
    with pikepdf.open(io.BytesIO(rendered[0])) as first:
        for part, data in enumerate(rendered[1:], start=2):
            with pikepdf.open(io.BytesIO(data)) as other:
                start = len(first.pages)
                # The structure first: the copier then knows its pages as pages.
                has_title = _join_structure(first, other, start, part)
                _join_outlines(first, other, has_title)
                _join_destinations(first, other)
        if len(rendered) > 1:
            _retag_subsets(first)
        number_pages(first)
        out = io.BytesIO()
        first.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
