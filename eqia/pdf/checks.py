"""Read a PDF back and list what breaks PDF/UA-1, for the checks we automate.

Automated here (each a function, each tested to fail on a PDF that breaks it):
- tagged: a structure tree, and /MarkInfo saying the document is marked;
- language (en-GB, or cy in Welsh) and a title shown in the window's title bar;
- every font embedded;
- headings that start at H1 and never skip a level;
- every table header cell has a /Scope;
- element ids are unique, listed in the /IDTree, and every data cell's
  /Headers names one of them;
- all drawn content is either tagged (its marked-content id belongs to an
  element in the structure tree) or an artifact: running headers, footers and
  page numbers must be artifacts;
- no rotated text tagged as content (a DRAFT watermark must be an artifact).
Not automated: reading order, alternative text quality, colour contrast of
drawings; those are looked at by a person (docs/accessibility.md says how).
"""

from __future__ import annotations

import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name

from eqia.pdf.tagging import (attribute_dicts, children, mcids_in_tree, name_pairs, parent_tree_entries,
                              struct_elements)

PAINTING = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "BI"}


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def tagged(pdf) -> list[str]:
    problems = []
    if "/StructTreeRoot" not in pdf.Root:
        problems.append("The PDF has no structure tree (it is not tagged)")
    mark = pdf.Root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        problems.append("/MarkInfo does not say the document is marked")
    return problems


def language_and_title(pdf) -> list[str]:
    problems = []
    from eqia.i18n import LANG_TAGS

    if str(pdf.Root.get("/Lang", "")) not in LANG_TAGS.values():  # en-GB, or cy for a Welsh document
        problems.append(f"The document language is {str(pdf.Root.get('/Lang', 'missing'))!r}, not 'en-GB'")
    with pdf.open_metadata() as meta:
        title = meta.get("dc:title")
    if not title:
        problems.append("The metadata has no title")
    prefs = pdf.Root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        problems.append("The viewer is not told to show the title (DisplayDocTitle)")
    return problems


def fonts_embedded(pdf) -> list[str]:
    problems = set()
    for page in pdf.pages:
        fonts = page.Resources.get("/Font", Dictionary())
        for name, font in fonts.items():
            descriptors = []
            if font.get("/Subtype") == Name.Type0:
                descriptors = [d.get("/FontDescriptor") for d in font.get("/DescendantFonts", Array())]
            else:
                descriptors = [font.get("/FontDescriptor")]
            for d in descriptors:
                if d is None or not any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.add(f"Font {font.get('/BaseFont', name)} is not embedded")
    return sorted(problems)


def headings(pdf) -> list[str]:
    problems = []
    levels = _heading_levels(pdf)
    if not levels:
        return ["The document has no headings"]
    if levels[0] != 1:
        problems.append(f"The first heading is H{levels[0]}, not H1")
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            problems.append(f"A heading skips from H{before} to H{after}")
    return problems


def _heading_levels(pdf) -> list[int]:
    root = pdf.Root.get("/StructTreeRoot")
    levels: list[int] = []

    def walk(element) -> None:
        if not isinstance(element, Dictionary):
            return
        match = re.fullmatch(r"/H([1-6])", str(element.get("/S", "")))
        if match:
            levels.append(int(match[1]))
        for kid in children(element):
            walk(kid)

    if root is not None:
        walk(root)
    return levels


def header_cells_scoped(pdf) -> list[str]:
    missing = 0
    for element, _ in struct_elements(pdf):
        if element.S != Name.TH:
            continue
        attributes = element.get("/A")
        attrs = list(attributes) if isinstance(attributes, Array) else [attributes] if attributes is not None else []
        if not any(isinstance(a, Dictionary) and a.get("/Scope") in (Name.Row, Name.Column, Name.Both)
                   for a in attrs):
            missing += 1
    return [f"{missing} table header cell(s) have no /Scope"] if missing else []


def element_ids(pdf) -> list[str]:
    problems = []
    elements = struct_elements(pdf)
    ids: dict[bytes, int] = {}
    for element, _ in elements:
        if "/ID" in element:
            ids[bytes(element.ID)] = ids.get(bytes(element.ID), 0) + 1
    twice = sorted(i for i, n in ids.items() if n > 1)
    if twice:
        problems.append(f"{len(twice)} structure element id(s) used more than once, e.g. {twice[0].decode()!r}")
    tree = pdf.Root.StructTreeRoot.get("/IDTree") if "/StructTreeRoot" in pdf.Root else None
    listed = {key for key, _ in name_pairs(tree.get("/Names", Array()))} if tree is not None else set()
    if set(ids) - listed:
        problems.append(f"{len(set(ids) - listed)} structure element id(s) not in the /IDTree")
    unresolved = set()
    for element, _ in elements:
        for attributes in attribute_dicts(element):
            unresolved.update(bytes(h) for h in attributes.get("/Headers", []) if bytes(h) not in ids)
    if unresolved:
        problems.append(f"{len(unresolved)} /Headers reference(s) name no element, e.g. {sorted(unresolved)[0].decode()!r}")
    return problems


def content_tagged_or_artifact(pdf) -> list[str]:
    """Everything drawn is inside a tagged sequence (MCID in the tree) or an artifact."""
    if "/StructTreeRoot" not in pdf.Root:
        return ["The PDF has no structure tree (it is not tagged)"]
    reachable = {e.objgen for e, _ in struct_elements(pdf) if e.is_indirect}
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        in_tree = mcids_in_tree(parent_tree_entries(pdf, page), reachable)
        stack: list[str] = []  # "artifact", "tagged", "orphan" or "other" per open sequence
        untagged = orphans = 0
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BMC", "BDC"):
                tag = operands[0]
                if tag == Name.Artifact:
                    stack.append("artifact")
                elif op == "BDC" and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
                    stack.append("tagged" if int(operands[1].MCID) in in_tree else "orphan")
                else:
                    stack.append("other")
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op in PAINTING:
                kinds = set(stack)
                if "artifact" in kinds or "tagged" in kinds:
                    continue
                if "orphan" in kinds:
                    orphans += 1
                else:
                    untagged += 1
        if orphans:
            problems.append(f"Page {number}: {orphans} drawing operation(s) tagged with an id no structure element "
                            "owns (running headers and footers must be artifacts)")
        if untagged:
            problems.append(f"Page {number}: {untagged} drawing operation(s) neither tagged nor an artifact")
    return problems


def no_rotated_tagged_text(pdf) -> list[str]:
    """Rotated text inside tagged content is what a watermark drawn as an
    element looks like: it must be an artifact instead."""
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        stack: list[bool] = []  # is this open sequence tagged content?
        ctm_stack: list[tuple[float, float]] = [(0.0, 0.0)]
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "q":
                ctm_stack.append(ctm_stack[-1])
            elif op == "Q" and len(ctm_stack) > 1:
                ctm_stack.pop()
            elif op == "cm":
                b, c = float(operands[1]), float(operands[2])
                prev = ctm_stack[-1]
                ctm_stack[-1] = (prev[0] or abs(b), prev[1] or abs(c))
            elif op in ("BMC", "BDC"):
                stack.append(op == "BDC" and isinstance(operands[1], Dictionary) and "/MCID" in operands[1])
            elif op == "EMC" and stack:
                stack.pop()
            elif op in ("Tj", "TJ", "'", '"') and any(stack):
                b, c = ctm_stack[-1]
                if b > 1e-3 or c > 1e-3:
                    problems.append(f"Page {number}: rotated text is tagged as content (a watermark must be an "
                                    "artifact)")
                    break
    return problems


# What must never end a page on its own: the reader turns over to find what it introduces.
KEEP_WITH_NEXT = {"/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/Caption"}


def _marked_content_in_reading_order(pdf) -> list[tuple[int, int | None, str]]:
    """Each marked-content sequence in the structure tree's order: its page
    number, and the heading or caption it belongs to (an id and a name) if any."""
    root = pdf.Root.get("/StructTreeRoot")
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages, start=1)}
    found: list[tuple[int, int | None, str]] = []
    if root is None:
        return found
    stack: list[tuple[object, object, int | None, str]] = [(root, None, None, "")]
    while stack:
        element, page, keep, name = stack.pop()
        if isinstance(element, int) or (isinstance(element, Dictionary) and element.get("/Type") == Name.MCR):
            where = element.get("/Pg", page) if isinstance(element, Dictionary) else page
            if where is not None:
                found.append((pages.get(where.objgen, 0), keep, name))
            continue
        if not isinstance(element, Dictionary) or element.get("/Type") == Name.OBJR:
            continue
        page = element.get("/Pg", page)
        tag = str(element.get("/S", ""))
        if keep is None and tag in KEEP_WITH_NEXT:
            keep, name = id(element), tag[1:]
        stack.extend((kid, page, keep, name) for kid in reversed(children(element)))
    return found


def no_heading_alone_at_page_foot(pdf) -> list[str]:
    problems = []
    sequence = _marked_content_in_reading_order(pdf)
    for (page, keep, name), (next_page, next_keep, _) in zip(sequence, sequence[1:]):
        if keep is not None and next_keep != keep and next_page != page:
            problems.append(f"A{'n' if name[0] == 'H' else ''} {name} is alone at the foot of page {page}: "
                            f"what it introduces starts on page {next_page}")
    return problems


CHECKS = (tagged, language_and_title, fonts_embedded, headings, header_cells_scoped, element_ids,
          content_tagged_or_artifact, no_rotated_tagged_text, no_heading_alone_at_page_foot)


def problems(data: bytes) -> list[str]:
    with _open(data) as pdf:
        return [p for check in CHECKS for p in check(pdf)]
