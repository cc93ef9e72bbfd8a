"""What WeasyPrint 70's PDF/UA-1 output leaves out, put right with pikepdf.

Measured on our documents: table header cells carry no /Scope, and the running
header and footer (page margin boxes) are marked content whose structure
elements hang from nothing, so assistive technology meets "Page 3 of 14" and
the reference as if they were text of the document; and header cells have
ids, for the data cells' /Headers, but no /IDTree lists them. A watermark drawn as a page
background is already an artifact, which is why the DRAFT mark is drawn that way
(and not as a positioned element, which would be tagged as content).

`finish` gives header cells their scope (column in a table head, row
elsewhere), lists the elements' ids in an /IDTree, turns every orphaned
marked-content sequence into a pagination artifact and drops it from the
parent tree. `eqia.pdf.checks` tests each of these on the finished bytes.
"""

from __future__ import annotations

import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name


def children(element) -> list:
    """A structure element's kids (/K may be one object or an array)."""
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def attribute_dicts(element) -> list[Dictionary]:
    """A structure element's attribute dictionaries (/A may be one, or an array with revision numbers)."""
    found = element.get("/A")
    if found is None:
        return []
    return [a for a in (found if isinstance(found, Array) else [found]) if isinstance(a, Dictionary)]


def struct_elements(pdf: pikepdf.Pdf) -> list[tuple[Dictionary, Dictionary | None]]:
    """Every structure element reachable from the root, with its parent."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    found, stack, seen = [], [(k, None) for k in children(root)], set()
    while stack:
        element, parent = stack.pop()
        if not isinstance(element, Dictionary) or "/S" not in element:
            continue
        key = element.objgen if element.is_indirect else id(element)
        if key in seen:
            continue
        seen.add(key)
        found.append((element, parent))
        stack.extend((k, element) for k in children(element))
    return found


def _add_scopes(elements) -> None:
    for element, parent in elements:
        if element.S != Name.TH:
            continue
        in_head = False
        cursor = parent
        while cursor is not None and "/S" in cursor:
            if cursor.S == Name.THead:
                in_head = True
                break
            if cursor.S == Name.Table:
                break
            cursor = cursor.get("/P")
        attributes = element.get("/A")
        if attributes is None:
            attributes = Dictionary(O=Name.Table)
            element.A = attributes
        elif isinstance(attributes, Array):
            table = next((a for a in attributes if isinstance(a, Dictionary) and a.get("/O") == Name.Table), None)
            if table is None:
                table = Dictionary(O=Name.Table)
                attributes.append(table)
            attributes = table
        attributes.Scope = Name.Column if in_head else Name.Row


def parent_tree_entries(pdf: pikepdf.Pdf, page) -> Array | None:
    """The page's entry in the parent tree: for each MCID on the page, the
    structure element its content belongs to."""
    parent_tree = pdf.Root.StructTreeRoot.get("/ParentTree")
    if parent_tree is None or "/StructParents" not in page:
        return None
    nums = parent_tree.get("/Nums", Array())
    for i in range(0, len(nums), 2):
        if int(nums[i]) == int(page.StructParents):
            return nums[i + 1]
    return None


def mcids_in_tree(entries: Array | None, reachable: set) -> set[int]:
    return {mcid for mcid, element in enumerate(entries or [])
            if isinstance(element, Dictionary) and element.objgen in reachable}


def _orphaned_mcids(pdf: pikepdf.Pdf, page, reachable: set) -> set[int]:
    """MCIDs on `page` whose structure element is not in the tree; their
    parent-tree entries are cleared."""
    entries = parent_tree_entries(pdf, page)
    if entries is None:
        return set()
    orphans = set(range(len(entries))) - mcids_in_tree(entries, reachable)
    for mcid in orphans:
        entries[mcid] = pikepdf.Object.parse(b"null")
    return orphans


# A marked-content sequence that opens with an id: "/Span <</MCID 9>> BDC".
MARKED = re.compile(rb"/[A-Za-z][A-Za-z0-9]*\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"


def _mark_artifacts(pdf: pikepdf.Pdf, page, orphans: set[int]) -> None:
    """Rewrite the orphaned sequences' opening operator in place. A pattern over
    the decoded stream, not a parse and re-serialisation of every operator: the
    one operator changes, everything else keeps its bytes, and it is several
    times faster on a long document."""
    if not orphans:
        return
    streams = page.obj.Contents
    for stream in (list(streams) if isinstance(streams, Array) else [streams]):
        data = stream.read_bytes()
        changed = MARKED.sub(lambda m: ARTIFACT if int(m[1]) in orphans else m[0], data)
        if changed != data:
            stream.write(changed)


def name_pairs(names: Array) -> list[tuple[bytes, object]]:
    """A flat name tree's /Names array as (key, value) pairs."""
    return [(bytes(names[i]), names[i + 1]) for i in range(0, len(names), 2)]


def names_array(pairs) -> Array:
    """(key, value) pairs as a name tree's /Names array, in the byte order PDF requires of its keys."""
    return Array([x for key, value in sorted(pairs, key=lambda pair: pair[0]) for x in (pikepdf.String(key), value)])


def write_id_tree(pdf: pikepdf.Pdf, elements) -> None:
    """The structure tree's /IDTree, which PDF requires once any element has an
    id (WeasyPrint gives table header cells ids, for /Headers, and writes none)."""
    named = [(bytes(e.ID), e) for e, _ in elements if "/ID" in e and e.is_indirect]
    if named:
        pdf.Root.StructTreeRoot.IDTree = pdf.make_indirect(Dictionary(Names=names_array(named)))


def finish(raw: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        elements = struct_elements(pdf)
        _add_scopes(elements)
        write_id_tree(pdf, elements)
        reachable = {e.objgen for e, _ in elements if e.is_indirect}
        for page in pdf.pages:
            _mark_artifacts(pdf, page, _orphaned_mcids(pdf, page, reachable))
        out = io.BytesIO()
        pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
