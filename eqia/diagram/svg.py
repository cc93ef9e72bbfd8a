"""Draw a workflow definition as a standalone, accessible SVG state diagram.

The drawing is a pure function of the definition, built with the standard library
only, so the page that shows it (and its tests) need no layout engine. The page's
Content-Security-Policy forbids inline styles, so everything is drawn with
presentation attributes. Every text comes from a YAML file a council edits, so
each one is escaped where it is written out.

Layout, in short: states are ranked by their shortest distance from the initial
state and each rank is a column; a column's states are stacked in rows chosen so
that the longest chain runs straight along the top. Edges are orthogonal paths
with rounded corners that run only through the gaps between columns and between
rows, so no edge ever crosses a box; each edge that shares a gap gets its own
track, and a small local search reorders tracks and attachment points to remove
crossings. Edges carry a numbered badge, explained in a legend under the diagram,
because full labels would not fit in the gaps without colliding.
"""

from __future__ import annotations

import html
import math
from collections import deque
from dataclasses import dataclass, field

from flask_babel import gettext as _

from eqia.roles import ROLE_LABELS, ROLES
from eqia.workflow.definition import Transition, WorkflowDefinition

__all__ = ["render_svg"]

# GOV.UK tag colours (approximations of the design system palette).
TAG_COLOURS = {
    "blue": "#1d70b8",
    "green": "#00703c",
    "grey": "#505a5f",
    "purple": "#4c2c92",
    "orange": "#f47738",
    "yellow": "#ffdd00",
    "pink": "#d53880",
    "red": "#d4351c",
    "light-blue": "#5694ca",
    "turquoise": "#28a197",
}
TEXT = "#0b0c0c"
EDGE = "#505a5f"
WHITE = "#ffffff"
FONT = "Arial, sans-serif"

BOX_W = 136
LABEL_SIZE = 15
LABEL_LINE = 19
NOTE_SIZE = 13
BOX_PAD = 12
TRACK = 20  # between parallel edges sharing a gap
MARGIN = 26  # from a box to the nearest track, leaving room for an arrowhead and a badge
GAP_X = 60  # narrowest gap between columns: an arrowhead, a badge and some air
GAP_Y = 56
OUTER = 16
START_GAP = 56
LOOP_W = 40  # width of a box's top edge kept free for one "stays where it is" loop
LOOP_H = 28
LOOP_BAND = 40
BADGE_R = 11
CORNER = 8
LEGEND_SIZE = 15
LEGEND_LINE = 26
MAX_EVALUATIONS = 1500


# --- text and colour helpers -------------------------------------------------

def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float) -> str:
    # Fixed precision keeps the output byte-identical across runs and platforms.
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# Rough Arial advance widths (in ems): good enough to wrap lines and size the
# legend without a font engine. Unknown characters count as wide.
_NARROW = {**dict.fromkeys("iljI|!.,:;'`", 0.25), **dict.fromkeys("ftr()[]-/ ", 0.32)}
_WIDE = {**dict.fromkeys("mwMW", 0.86), **dict.fromkeys("ABCDEFGHKNOPQRSTUVXYZ&%@", 0.70)}


def _text_width(text: str, size: float, bold: bool = False) -> float:
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += _NARROW[ch]
        elif ch in _WIDE:
            total += _WIDE[ch]
        elif ch.isascii():
            total += 0.56
        else:
            total += 0.8
    return total * size * (1.08 if bold else 1.0)


def _wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        # A word wider than the box (a long URL, say) is cut rather than overflowing it.
        while _text_width(word, size, bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _text_width(word[:cut], size, bold) > width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if current and _text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` of `other` mixed in."""
    return _hex(tuple(c * (1 - share) + o * share for c, o in zip(_rgb(colour), _rgb(other))))


def _tag_colours(tag: str) -> tuple[str, str]:
    """(fill, border) for a state with this tag colour: a pale tint that keeps dark
    text well above 4.5:1, and a border of the same hue darkened until it stands
    out from the page at 3:1 (yellow and orange are too light as they are)."""
    base = TAG_COLOURS.get(tag, TAG_COLOURS["grey"])
    fill = _mix(base, WHITE, 0.86)
    border, share = base, 0.0
    while _contrast(border, WHITE) < 3.0 and share < 1.0:
        share += 0.05
        border = _mix(base, TEXT, share)
    return fill, border


def _role_names(roles: frozenset[str]) -> list[str]:
    # Frozensets iterate in hash order, which changes between runs: sort by the roles' own order.
    known = [ROLE_LABELS[r] for r in ROLES if r in roles]
    return known + sorted(r for r in roles if r not in ROLE_LABELS)


def _join_or(names: list[str], word: str | None = None) -> str:
    if len(names) <= 1:
        return "".join(names)
    word = word or _("or")
    return ", ".join(names[:-1]) + f" {word} " + names[-1]


def _edge_label(transition: Transition) -> str:
    """A transition's label with who takes it, e.g. "Approve for sign-off (Equality lead)"."""
    who = _("system") if transition.system else ", ".join(_role_names(transition.roles))
    if transition.timed:
        who = _("%(who)s, on the %(date)s", who=who, date=_date_words(transition.after))
    return f"{transition.label} ({who})" if who else transition.label


def _date_words(name: str) -> str:
    """A record's date as the definition names it, in words: "review_date" is "review date"."""
    return name.replace("_", " ")


# --- layout --------------------------------------------------------------------

@dataclass
class _Edge:
    key: str
    number: int  # the badge; 0 for the start marker
    transition: Transition | None
    source: str | None  # None: the start marker
    dest: str
    refs: list = field(default_factory=list)  # [(xref, yref)], resolved later
    points: list = field(default_factory=list)  # [(x, y)]


class _Layout:
    def __init__(self, definition: WorkflowDefinition) -> None:
        self.d = definition
        self.order = {key: i for i, key in enumerate(definition.states)}
        self._rank_and_place()
        self._collect_edges()
        self._route()
        self._measure()
        self._untangle()
        self.positions = self._positions()
        for e in self.edges:
            e.points = [(self.positions[x], self.positions[y]) for x, y in e.refs]

    # Columns and rows.

    def _rank_and_place(self) -> None:
        d = self.d
        succ: dict[str, list[str]] = {k: [] for k in d.states}
        for t in d.transitions.values():
            for s in t.sources:
                if t.dest is not None and t.dest != s and t.dest not in succ[s]:
                    succ[s].append(t.dest)
        rank = {d.initial: 0}
        queue = deque([d.initial])
        while queue:
            s = queue.popleft()
            for n in succ[s]:
                if n not in rank:
                    rank[n] = rank[s] + 1
                    queue.append(n)
        # Validation makes every state reachable; still, a drawing should not crash on one that is not.
        spare = max(rank.values()) + 1
        for k in d.states:
            rank.setdefault(k, spare)
        preds: dict[str, list[str]] = {k: [] for k in d.states}
        for s, ns in succ.items():
            for n in ns:
                if rank[n] > rank[s]:
                    preds[n].append(s)
        # The longest chain onwards from each state: the main line goes first in its column, so it
        # runs straight along the top and side branches hang below it.
        onward: dict[str, int] = {}
        for k in sorted(d.states, key=lambda k: (-rank[k], self.order[k])):
            onward[k] = max((1 + onward[n] for n in succ[k] if rank[n] > rank[k]), default=0)
        columns = [[k for k in d.states if rank[k] == r] for r in range(max(rank.values()) + 1)]
        columns = [c for c in columns if c]
        self.col: dict[str, int] = {}
        self.row: dict[str, int] = {}
        for c, members in enumerate(columns):
            def wanted(k: str) -> int:
                rows = sorted(self.row[p] for p in preds[k] if p in self.row)
                return rows[(len(rows) - 1) // 2] if rows else 0
            members.sort(key=lambda k: (wanted(k), -onward[k], self.order[k]))
            free = 0
            for k in members:
                self.col[k] = c
                self.row[k] = max(wanted(k), free)
                free = self.row[k] + 1
        self.ncols = len(columns)
        self.nrows = max(self.row.values()) + 1
        self.grid = {(self.col[k], self.row[k]): k for k in d.states}

    def _collect_edges(self) -> None:
        self.edges: list[_Edge] = []
        self.loops: list[tuple[str, int, Transition]] = []  # (state, badge, transition)
        self.legend: list[tuple[int, Transition]] = []
        self.edges.append(_Edge("start", 0, None, None, self.d.initial))
        for number, t in enumerate(self.d.transitions.values(), start=1):
            self.legend.append((number, t))
            for s in t.sources:
                if t.dest is None or t.dest == s:
                    self.loops.append((s, number, t))
                else:
                    self.edges.append(_Edge(f"{t.trigger}:{s}", number, t, s, t.dest))
        self.loop_count: dict[str, int] = {}
        for s, _, _ in self.loops:
            self.loop_count[s] = self.loop_count.get(s, 0) + 1

    # Routing: each edge becomes a list of symbolic points. An x is a box side
    # ("L"/"R", state), an attachment item on a top/bottom side ("i", item) or a
    # track in a vertical gap ("v", k, edge); a y is a box side ("T"/"B", state),
    # an item on a left/right side, or a track in a horizontal gap ("h", h, edge).
    # Vertical gap k lies left of column k; horizontal gap h lies above row h.
    # Items on the two sides facing across a gap share one spacing (a "group"), so
    # a straight edge meets both boxes at the same height and no two items collide.

    def _clear(self, row: int, first: int, last: int) -> bool:
        return all((c, row) not in self.grid for c in range(first, last + 1))

    def _item(self, e: _Edge, group: tuple, tag: str) -> tuple:
        key = f"{e.key}/{tag}"
        self.groups.setdefault(group, []).append(key)
        return ("i", key)

    def _vtrack(self, e: _Edge, k: int) -> tuple:
        if e.key not in self.vtracks.setdefault(k, []):
            self.vtracks[k].append(e.key)
        return ("v", k, e.key)

    def _htrack(self, e: _Edge, h: int) -> tuple:
        if e.key not in self.htracks.setdefault(h, []):
            self.htracks[h].append(e.key)
        return ("h", h, e.key)

    def _route(self) -> None:
        self.groups: dict[tuple, list[str]] = {}
        self.vtracks: dict[int, list[str]] = {}
        self.htracks: dict[int, list[str]] = {}
        self.merged: dict[tuple, tuple] = {}
        for e in self.edges:
            e.refs = self._route_edge(e)
        # Fold merged groups (a straight edge skipping empty cells joins the gaps at both its ends).
        for src, dst in self.merged.items():
            self.groups.setdefault(dst, []).extend(self.groups.pop(src, []))

    def _route_edge(self, e: _Edge) -> list:
        d = e.dest
        cd, rd = self.col[d], self.row[d]
        if e.source is None:
            it = self._item(e, ("v", 0, rd), "start")
            return [(("start",), it), (("L", d), it)]
        s = e.source
        cs, rs = self.col[s], self.row[s]
        if cd > cs:
            if rs == rd and self._clear(rs, cs + 1, cd - 1):
                it = self._item(e, ("v", cs + 1, rs), "straight")
                if cd > cs + 1:
                    self.merged[("v", cd, rs)] = ("v", cs + 1, rs)
                return [(("R", s), it), (("L", d), it)]
            a = self._item(e, ("v", cs + 1, rs), "out")
            b = self._item(e, ("v", cd, rd), "in")
            if cd == cs + 1 or self._clear(rd, cs + 1, cd - 1):
                v = self._vtrack(e, cs + 1)
                return [(("R", s), a), (v, a), (v, b), (("L", d), b)]
            if self._clear(rs, cs + 1, cd - 1):
                v = self._vtrack(e, cd)
                return [(("R", s), a), (v, a), (v, b), (("L", d), b)]
            h = self._htrack(e, min(rs, rd) + 1)
            v1, v2 = self._vtrack(e, cs + 1), self._vtrack(e, cd)
            return [(("R", s), a), (v1, a), (v1, h), (v2, h), (v2, b), (("L", d), b)]
        if cd == cs:
            if abs(rd - rs) == 1:
                it = self._item(e, ("h", cs, max(rs, rd)), "straight")
                if rd > rs:
                    return [(it, ("B", s)), (it, ("T", d))]
                return [(it, ("T", s)), (it, ("B", d))]
            a = self._item(e, ("v", cs + 1, rs), "out")
            b = self._item(e, ("v", cs + 1, rd), "in")
            v = self._vtrack(e, cs + 1)
            return [(("R", s), a), (v, a), (v, b), (("R", d), b)]
        # A back edge runs along one horizontal gap: the one that needs the least
        # climbing and fewest bends, above the boxes when that is as good.
        def cost(h: int) -> float:
            total = 0.0
            for r in (rs, rd):
                total += 0.5 if h in (r, r + 1) else 1.0 + abs(r + 0.5 - h)
            return total
        h_gap = min(range(self.nrows + 1), key=lambda h: (cost(h), h))
        h = self._htrack(e, h_gap)
        if h_gap == rs:
            a = self._item(e, ("h", cs, rs), "out")
            path = [(a, ("T", s)), (a, h)]
        elif h_gap == rs + 1:
            a = self._item(e, ("h", cs, rs + 1), "out")
            path = [(a, ("B", s)), (a, h)]
        else:
            a = self._item(e, ("v", cs + 1, rs), "out")
            v = self._vtrack(e, cs + 1)
            path = [(("R", s), a), (v, a), (v, h)]
        if h_gap == rd:
            b = self._item(e, ("h", cd, rd), "in")
            path += [(b, h), (b, ("T", d))]
        elif h_gap == rd + 1:
            b = self._item(e, ("h", cd, rd + 1), "in")
            path += [(b, h), (b, ("B", d))]
        else:
            b = self._item(e, ("v", cd + 1, rd), "in")
            v = self._vtrack(e, cd + 1)
            path += [(v, h), (v, b), (("R", d), b)]
        return path

    # Sizes: gaps grow with the number of tracks they carry.

    def _measure(self) -> None:
        width = BOX_W - 2 * BOX_PAD
        self.lines = {k: _wrap(s.label, width, LABEL_SIZE, bold=True) for k, s in self.d.states.items()}
        max_lines = max(len(v) for v in self.lines.values())
        any_frozen = any(s.frozen for s in self.d.states.values())
        self.box_h = 2 * BOX_PAD + max_lines * LABEL_LINE + (NOTE_SIZE + 6 if any_frozen else 0)
        self.loop_rows = {self.row[s] for s in self.loop_count}
        # Gaps a straight edge runs across: its badge needs a clear stretch beside their tracks.
        self.v_crossed: set[int] = set()
        self.h_crossed: set[int] = set()
        # Parallel straight edges in one gap need it long enough to stagger their badges.
        parallel: dict[tuple, int] = {}
        for e in self.edges:
            if e.source is not None and len(e.refs) == 2:
                if e.refs[0][0][0] == "R":
                    gaps = [("v", k) for k in range(self.col[e.source] + 1, self.col[e.dest] + 1)]
                    self.v_crossed.update(k for _, k in gaps)
                    row = self.row[e.source]
                else:
                    gaps = [("h", max(self.row[e.source], self.row[e.dest]))]
                    self.h_crossed.add(gaps[0][1])
                    row = self.col[e.source]
                for gap in gaps:
                    parallel[(*gap, row)] = parallel.get((*gap, row), 0) + 1
        self.stagger: dict[tuple, float] = {}
        for (kind, k, _), m in parallel.items():
            if m > 1:
                need = m * (2 * BADGE_R + 6) + 2 * (CORNER + BADGE_R) + 14
                self.stagger[(kind, k)] = max(self.stagger.get((kind, k), 0.0), need)
        self._size({k: len(v) for k, v in self.vtracks.items()}, {h: len(v) for h, v in self.htracks.items()})

    def _size(self, vcount: dict[int, int], hcount: dict[int, int]) -> None:
        """Place the columns, rows and gaps for this many tracks in each gap."""
        self.vcount, self.hcount = vcount, hcount

        def span(n: int, least: float, crossed: bool) -> tuple[float, float]:
            """(size of the gap, room kept clear at its far end)."""
            if not n:
                return least, 0.0
            extra = 2 * BADGE_R + 12 if crossed else 0.0
            return max(least, 2 * MARGIN + (n - 1) * TRACK + extra), extra

        self.vgap: list[tuple[float, float]] = []  # where a gap's tracks are centred
        self.col_x: list[float] = []
        x = OUTER
        for k in range(self.ncols + 1):
            least = START_GAP if k == 0 else (GAP_X if k < self.ncols else 8)
            least = max(least, self.stagger.get(("v", k), 0.0))
            w, extra = span(vcount.get(k, 0), least, k in self.v_crossed)
            self.vgap.append((x, x + w - extra))
            x += w
            if k < self.ncols:
                self.col_x.append(x)
                x += BOX_W
        self.diagram_w = x + OUTER
        self.hgap: list[tuple[float, float]] = []
        self.row_y: list[float] = []
        y = OUTER
        for h in range(self.nrows + 1):
            least = max(GAP_Y if 0 < h < self.nrows else 8, self.stagger.get(("h", h), 0.0))
            band = LOOP_BAND if h in self.loop_rows else 0
            hgt, extra = span(hcount.get(h, 0), max(8, least - band), h in self.h_crossed)
            self.hgap.append((y, y + hgt - extra))
            y += hgt + band
            if h < self.nrows:
                self.row_y.append(y)
                y += self.box_h
        self.diagram_h = y

        self.static: dict[tuple, float] = {}
        for k in self.d.states:
            left, top = self.col_x[self.col[k]], self.row_y[self.row[k]]
            self.static[("L", k)] = left
            self.static[("R", k)] = left + BOX_W
            self.static[("T", k)] = top
            self.static[("B", k)] = top + self.box_h
        self.static[("start",)] = self.vgap[0][0] + 10
        self.group_span: dict[tuple, tuple[float, float]] = {}
        for g in self.groups:
            kind, a, b = g
            if kind == "v":
                self.group_span[g] = (self.row_y[b], self.box_h)
            else:
                below = self.grid.get((a, b))
                loops = self.loop_count.get(below, 0) if below else 0
                self.group_span[g] = (self.col_x[a], BOX_W - loops * LOOP_W)

    def _positions(self) -> dict[tuple, float]:
        pos = dict(self.static)
        for g, items in self.groups.items():
            base, length = self.group_span[g]
            n = len(items)
            for i, key in enumerate(items):
                pos[("i", key)] = base + length * (i + 1) / (n + 1)
        for kind, tracks, gaps, counts in (("v", self.vtracks, self.vgap, self.vcount),
                                           ("h", self.htracks, self.hgap, self.hcount)):
            for k, keys in tracks.items():
                lo, hi = gaps[k]
                mid, n = (lo + hi) / 2, counts.get(k, len(keys))
                for i, key in enumerate(keys):
                    slot = self.slots.get((kind, k, key), i)
                    pos[(kind, k, key)] = mid + (slot - (n - 1) / 2) * TRACK
        return pos

    # Untangling: reorder items and tracks, keeping any change that lowers the
    # number of crossings (then the total length). Small, deterministic, and
    # enough for the dozen or two edges a workflow has.

    def _segments(self, pos: dict[tuple, float]) -> list[tuple[str, float, float, float, float]]:
        out = []
        for e in self.edges:
            pts = [(pos[x], pos[y]) for x, y in e.refs]
            out.extend((e.key, x1, y1, x2, y2) for (x1, y1), (x2, y2) in zip(pts, pts[1:]))
        return out

    def _cost(self) -> tuple[int, float]:
        hs, vs = [], []
        length = 0.0
        for key, x1, y1, x2, y2 in self._segments(self._positions()):
            length += abs(x2 - x1) + abs(y2 - y1)
            if y1 == y2:
                hs.append((y1, min(x1, x2), max(x1, x2), key))
            else:
                vs.append((x1, min(y1, y2), max(y1, y2), key))
        crossings = 0
        for y, xa, xb, ek in hs:
            for x, ya, yb, fk in vs:
                if ek != fk and xa < x < xb and ya < y < yb:
                    crossings += 1
        return crossings, round(length, 3)

    def _untangle(self) -> None:
        self.slots: dict[tuple, int] = {}
        lists = [self.groups[g] for g in sorted(self.groups)]
        lists += [self.vtracks[k] for k in sorted(self.vtracks)]
        lists += [self.htracks[h] for h in sorted(self.htracks)]
        lists = [lst for lst in lists if len(lst) > 1]

        def owner(element: str) -> str:
            return element.split("/")[0]

        best = self._cost()
        # A cap on the work keeps a pathological definition from stalling the page; a
        # workflow of the usual size settles long before it.
        budget = MAX_EVALUATIONS
        for _ in range(8):
            # Single swaps, then the same two edges swapped in two places at once: two
            # edges leaving a box side and turning along a gap often need both their
            # attachment points and their tracks exchanged before they stop crossing.
            swaps = [(lst, a, b) for lst in lists for i, a in enumerate(lst) for b in lst[i + 1:]]
            by_pair: dict[frozenset, list] = {}
            for swap in swaps:
                by_pair.setdefault(frozenset((owner(swap[1]), owner(swap[2]))), []).append(swap)
            moves = [(swap,) for swap in swaps]
            for group in by_pair.values():
                moves += [(m, n) for i, m in enumerate(group) for n in group[i + 1:] if m[0] is not n[0]]
            improved = False
            for move in moves[:budget]:
                budget -= 1
                for lst, a, b in move:
                    i, j = lst.index(a), lst.index(b)
                    lst[i], lst[j] = b, a
                cost = self._cost()
                if cost < best:
                    best, improved = cost, True
                else:
                    for lst, a, b in reversed(move):
                        i, j = lst.index(a), lst.index(b)
                        lst[i], lst[j] = b, a
            if not improved or budget <= 0:
                break
        self._share_tracks(best)

    def _share_tracks(self, best: tuple[int, float]) -> None:
        """Let edges whose stretches along a gap do not overlap share a track, which
        keeps gaps narrow. Keeping overlapping edges in their found order keeps the
        crossings the same; if sharing still made things worse, it is undone."""
        pos = self._positions()
        extent: dict[tuple, tuple[float, float]] = {}
        for e in self.edges:
            for (x1, y1), (x2, y2) in zip(e.refs, e.refs[1:]):
                if x1 == x2 and x1[0] == "v":
                    track, lo, hi = x1, *sorted((pos[y1], pos[y2]))
                elif y1 == y2 and y1[0] == "h":
                    track, lo, hi = y1, *sorted((pos[x1], pos[x2]))
                else:
                    continue
                old = extent.get(track, (lo, hi))
                extent[track] = (min(lo, old[0]), max(hi, old[1]))
        slots: dict[tuple, int] = {}
        counts: dict[str, dict[int, int]] = {"v": {}, "h": {}}
        clearance = 2 * BADGE_R + 6
        for kind, tracks in (("v", self.vtracks), ("h", self.htracks)):
            for k, keys in tracks.items():
                for i, key in enumerate(keys):
                    lo, hi = extent.get((kind, k, key), (0.0, 0.0))
                    slot = 0
                    for other in keys[:i]:
                        olo, ohi = extent.get((kind, k, other), (0.0, 0.0))
                        if lo < ohi + clearance and olo < hi + clearance:
                            slot = max(slot, slots[(kind, k, other)] + 1)
                    slots[(kind, k, key)] = slot
                counts[kind][k] = max(slots[(kind, k, key)] for key in keys) + 1
        unshared = (dict(self.vcount), dict(self.hcount))
        self.slots = slots
        self._size(counts["v"], counts["h"])
        shared = self._cost()
        if shared[0] > best[0]:
            self.slots = {}
            self._size(*unshared)
            shared = best
        self.crossings = shared[0]


# --- drawing -----------------------------------------------------------------------

def _rounded_path(points: list[tuple[float, float]]) -> str:
    out = [f"M{_num(points[0][0])} {_num(points[0][1])}"]
    for i in range(1, len(points) - 1):
        (px, py), (x, y), (nx, ny) = points[i - 1], points[i], points[i + 1]
        before = math.hypot(x - px, y - py)
        after = math.hypot(nx - x, ny - y)
        r = min(CORNER, before / 2, after / 2)
        if r <= 0.5:
            out.append(f"L{_num(x)} {_num(y)}")
            continue
        ax, ay = x - (x - px) / before * r, y - (y - py) / before * r
        bx, by = x + (nx - x) / after * r, y + (ny - y) / after * r
        out.append(f"L{_num(ax)} {_num(ay)}Q{_num(x)} {_num(y)} {_num(bx)} {_num(by)}")
    out.append(f"L{_num(points[-1][0])} {_num(points[-1][1])}")
    return "".join(out)


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _place_badges(layout: _Layout, loop_badges: list[tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """One badge per edge, on the straight part where it is clearest of other edges and badges."""
    where = layout.static
    boxes = [(where[("L", k)], where[("T", k)], where[("R", k)], where[("B", k)]) for k in layout.d.states]
    segments = [(e.key, a, b) for e in layout.edges for a, b in zip(e.points, e.points[1:])]
    placed: list[tuple[float, float]] = list(loop_badges)
    result: dict[str, tuple[float, float]] = {}
    for e in layout.edges:
        if e.source is None:
            continue
        candidates = []
        last = len(e.points) - 2
        for i, (a, b) in enumerate(zip(e.points, e.points[1:])):
            length = math.hypot(b[0] - a[0], b[1] - a[1])
            start = CORNER + BADGE_R + (0 if i == 0 else 2)
            end = length - (CORNER + BADGE_R + (14 if i == last else 2))
            if end < start:
                continue
            for frac in (0.5, 0.35, 0.65, 0.2, 0.8, 0.05, 0.95):
                t = start + (end - start) * frac
                x = a[0] + (b[0] - a[0]) * t / length
                y = a[1] + (b[1] - a[1]) * t / length
                candidates.append((x, y, length, frac))
        if not candidates:  # a very short edge: its middle will have to do
            a, b = e.points[len(e.points) // 2 - 1], e.points[len(e.points) // 2]
            candidates.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 0.0, 0.5))
        best, best_score = None, None
        for x, y, length, frac in candidates:
            inside = any(left - BADGE_R < x < right + BADGE_R and top - BADGE_R < y < bottom + BADGE_R
                         for left, top, right, bottom in boxes)
            near_badge = min((math.hypot(x - bx, y - by) for bx, by in placed), default=99.0)
            near_edge = min((_segment_distance(x, y, a, b) for key, a, b in segments if key != e.key),
                            default=99.0)
            score = (
                inside,
                near_badge < 2 * BADGE_R + 4,
                -min(near_edge, BADGE_R + 5),
                -min(near_badge, 3 * BADGE_R),
                -round(length),
                abs(frac - 0.5),
            )
            if best_score is None or score < best_score:
                best, best_score = (x, y), score
        placed.append(best)
        result[e.key] = best
    return result


def _badge(x: float, y: float, number: int) -> str:
    return (f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{BADGE_R}" fill="{TEXT}" stroke="{WHITE}" '
            f'stroke-width="2"/>'
            f'<text x="{_num(x)}" y="{_num(y + 4)}" text-anchor="middle" font-size="12" font-weight="bold" '
            f'fill="{WHITE}">{number}</text>')


def _description(definition: WorkflowDefinition) -> str:
    label = {k: s.label for k, s in definition.states.items()}
    sentences = [_("An assessment starts in %(state)s.", state=label[definition.initial])]
    for t in definition.transitions.values():
        sources = _join_or([label[s] for s in t.sources])
        who = _("the system") if t.system else _join_or(_role_names(t.roles))
        if t.dest is None:
            outcome = _("which keeps it where it is")
        else:
            outcome = _("which leads to %(state)s", state=label[t.dest])
        if t.timed:
            sentences.append(_("From %(sources)s, the system takes %(action)s on or after the %(date)s, %(outcome)s.",
                               sources=sources, action=t.label, date=_date_words(t.after), outcome=outcome))
            continue
        sentences.append(_("From %(sources)s, %(who)s can %(action)s, %(outcome)s.", sources=sources, who=who,
                           action=t.label, outcome=outcome))
    finals = [label[k] for k, s in definition.states.items() if s.final]
    if finals:
        states = _join_or(finals, _("and"))
        sentences.append(_("%(states)s is a final state.", states=states) if len(finals) == 1
                         else _("%(states)s are final states.", states=states))
    return " ".join(sentences)


def _id_prefix(definition: WorkflowDefinition) -> str:
    # Unique per workflow version, so two diagrams on one page do not share ids.
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in definition.name)
    return f"eqia-wf-{safe}-v{definition.version}"


def render_svg(definition: WorkflowDefinition) -> str:
    """The workflow as a standalone SVG document (a string starting with ``<svg``)."""
    layout = _Layout(definition)
    prefix = _id_prefix(definition)
    arrow = f"{prefix}-arrow"
    parts: list[str] = []

    # States.
    for key, state in definition.states.items():
        x, y = layout.static[("L", key)], layout.static[("T", key)]
        fill, border = _tag_colours(state.tag)
        parts.append(f'<g><title>{_esc(state.label)}: {_esc(state.description)}</title>')
        parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{BOX_W}" height="{_num(layout.box_h)}" '
                     f'rx="3" fill="{fill}" stroke="{border}" stroke-width="2"/>')
        if state.final:
            parts.append(f'<rect x="{_num(x + 4)}" y="{_num(y + 4)}" width="{BOX_W - 8}" '
                         f'height="{_num(layout.box_h - 8)}" rx="2" fill="none" stroke="{border}" '
                         f'stroke-width="2"/>')
        lines = layout.lines[key]
        block = len(lines) * LABEL_LINE + (NOTE_SIZE + 6 if state.frozen else 0)
        baseline = y + (layout.box_h - block) / 2 + LABEL_SIZE
        cx = x + BOX_W / 2
        spans = "".join(
            f'<tspan x="{_num(cx)}" y="{_num(baseline + i * LABEL_LINE)}">{_esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="middle" font-size="{LABEL_SIZE}" font-weight="bold" fill="{TEXT}">'
                     f'{spans}</text>')
        if state.frozen:
            note_y = baseline + (len(lines) - 1) * LABEL_LINE + NOTE_SIZE + 6
            frozen = _("Frozen")
            left = cx - (13 + _text_width(frozen, NOTE_SIZE)) / 2
            parts.append(_lock(left, note_y, TEXT))
            parts.append(f'<text x="{_num(left + 13)}" y="{_num(note_y)}" font-size="{NOTE_SIZE}" '
                         f'fill="{TEXT}">{_esc(frozen)}</text>')
        parts.append("</g>")

    # Edges.
    for e in layout.edges:
        dashed = e.transition is not None and e.transition.system
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(f'<path d="{_rounded_path(e.points)}" fill="none" stroke="{EDGE}" '
                     f'stroke-width="2"{dash} marker-end="url(#{arrow})"/>')
        if e.source is None:
            x, y = e.points[0]
            parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="7" fill="{TEXT}"/>')

    # Transitions that keep the state: a small loop on the box's top edge.
    loop_badges: list[tuple[float, float]] = []
    loop_parts: list[str] = []
    seen: dict[str, int] = {}
    for state, number, t in layout.loops:
        i = seen.get(state, 0)
        seen[state] = i + 1
        right, top = layout.static[("R", state)], layout.static[("T", state)]
        x1 = right - 8 - i * LOOP_W
        x0 = x1 - (LOOP_W - 12)
        dash = ' stroke-dasharray="6 4"' if t.system else ""
        parts.append(f'<path d="M{_num(x0)} {_num(top)}C{_num(x0)} {_num(top - LOOP_H - 6)} {_num(x1)} '
                     f'{_num(top - LOOP_H - 6)} {_num(x1)} {_num(top)}" fill="none" stroke="{EDGE}" '
                     f'stroke-width="2"{dash} marker-end="url(#{arrow})"/>')
        bx, by = (x0 + x1) / 2, top - 0.75 * (LOOP_H + 6)
        loop_badges.append((bx, by))
        loop_parts.append(_badge(bx, by, number))

    badges = _place_badges(layout, loop_badges)
    for e in layout.edges:
        if e.key in badges:
            parts.append(_badge(*badges[e.key], e.number))
    parts.extend(loop_parts)

    legend, legend_w, legend_h = _legend(layout, layout.diagram_h + 8, prefix)
    parts.extend(legend)
    width = max(layout.diagram_w, legend_w + 2 * OUTER)
    height = layout.diagram_h + 8 + legend_h + OUTER

    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}">'
        f'<title id="{prefix}-title">{_esc(definition.title)}</title>'
        f'<desc id="{prefix}-desc">{_esc(_description(definition))}</desc>'
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
        f'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0 0L10 5L0 10z" fill="{EDGE}"/></marker></defs>'
        f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="{WHITE}"/>'
    )
    return head + "".join(parts) + "</svg>"


def _lock(x: float, baseline: float, colour: str) -> str:
    """A small padlock drawn with shapes, since a glyph may be missing from the font."""
    body_top = baseline - 7
    return (f'<rect x="{_num(x)}" y="{_num(body_top)}" width="9" height="7" rx="1" fill="{colour}"/>'
            f'<path d="M{_num(x + 2)} {_num(body_top)}V{_num(body_top - 2)}'
            f'a2.5 2.5 0 0 1 5 0V{_num(body_top)}" '
            f'fill="none" stroke="{colour}" stroke-width="1.5"/>')


def _legend(layout: _Layout, top: float, prefix: str) -> tuple[list[str], float, float]:
    """The numbered list of transitions, then a key to the line and box styles."""
    entries = [(number, _edge_label(t)) for number, t in layout.legend]
    badge_space = 2 * BADGE_R + 8
    col_w = max(badge_space + _text_width(text, LEGEND_SIZE) for _, text in entries) + 24
    avail = layout.diagram_w - 2 * OUTER
    ncols = max(1, min(len(entries), int(avail // col_w)))
    nrows = math.ceil(len(entries) / ncols)
    parts = [f'<text x="{OUTER}" y="{_num(top + 16)}" font-size="16" font-weight="bold" fill="{TEXT}">'
             f'{_esc(_("Actions"))}</text>']
    y0 = top + 26
    for i, (number, text) in enumerate(entries):
        # Column-major, so the numbers read down each column in order.
        c, r = divmod(i, nrows)
        x = OUTER + c * col_w
        y = y0 + r * LEGEND_LINE + BADGE_R + 2
        parts.append(_badge(x + BADGE_R + 1, y, number))
        parts.append(f'<text x="{_num(x + badge_space)}" y="{_num(y + 5)}" font-size="{LEGEND_SIZE}" '
                     f'fill="{TEXT}">{_esc(text)}</text>')
    y = y0 + nrows * LEGEND_LINE + 14
    # A key to the drawing conventions this diagram actually uses.
    states = layout.d.states.values()
    fill, border = _tag_colours("grey")
    key: list[tuple[str, float, str]] = []  # (symbol drawn at 0, 0, its width, text)
    if any(t.system for _, t in layout.legend):
        key.append((f'<path d="M0 0H36" stroke="{EDGE}" stroke-width="2" stroke-dasharray="6 4" '
                    f'marker-end="url(#{prefix}-arrow)"/>', 46, _("Done by the system, not a person")))
    if any(s.final for s in states):
        key.append((f'<rect x="0" y="-10" width="30" height="20" rx="2" fill="{fill}" stroke="{border}" '
                    f'stroke-width="2"/><rect x="3" y="-7" width="24" height="14" rx="1" fill="none" '
                    f'stroke="{border}" stroke-width="1.5"/>', 40, _("Double border: final, nothing leaves it")))
    if any(s.frozen for s in states):
        key.append((_lock(0, 5, TEXT), 14, _("Frozen: the content can no longer be changed")))
    if layout.loops:
        key.append((f'<path d="M4 8C4 -10 24 -10 24 8" fill="none" stroke="{EDGE}" stroke-width="2" '
                    f'marker-end="url(#{prefix}-arrow)"/>', 36, _("Loop: the state stays the same")))
    limit = max(avail, ncols * col_w)
    x, widest = 0.0, 0.0
    for symbol, symbol_w, text in key:
        item_w = symbol_w + _text_width(text, LEGEND_SIZE)
        if x and x + item_w > limit:
            x, y = 0.0, y + LEGEND_LINE
        parts.append(f'<g transform="translate({_num(OUTER + x)} {_num(y)})">{symbol}'
                     f'<text x="{symbol_w}" y="5" font-size="{LEGEND_SIZE}" fill="{TEXT}">{_esc(text)}</text></g>')
        x += item_w + 32
        widest = max(widest, x - 32)
    width = max(ncols * col_w, widest)
    height = y + 14 - top
    return parts, width, height
