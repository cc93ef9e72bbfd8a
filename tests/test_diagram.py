"""The workflow diagram: a standalone, accessible SVG drawn from the definition alone."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from eqia.workflow.definition import load_definitions, parse_definition
from eqia.diagram.svg import render_svg

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
NS = "{http://www.w3.org/2000/svg}"

HOSTILE_STATE = "<script>alert('x')</script> & \"Start\""
HOSTILE_TRANSITION = "Go <script>evil()</script> & run"


@pytest.fixture(scope="module")
def definition():
    return load_definitions(WORKFLOWS).current("standard")


@pytest.fixture(scope="module")
def svg(definition):
    return render_svg(definition)


@pytest.fixture(scope="module")
def root(svg):
    return ET.fromstring(svg)


@pytest.fixture(scope="module")
def schema():
    with (WORKFLOWS / "workflow.schema.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def small_definition(schema, **overrides):
    raw = {
        "name": "small",
        "version": 1,
        "title": "Small workflow",
        "initial": "start",
        "create_roles": ["author"],
        "states": {
            "start": {"label": "Start here", "description": "The beginning.", "tag": "yellow"},
            "end": {"label": "Done", "description": "The end.", "tag": "green", "final": True,
                    "frozen": True},
        },
        "transitions": [
            {"trigger": "go", "label": "Go on", "source": "start", "dest": "end", "roles": ["author"]},
            {"trigger": "note", "label": "Make a note", "source": "start", "dest": None,
             "roles": ["equality_lead", "author"]},
        ],
    }
    raw.update(overrides)
    # What only the pages' messages use ("The assessment is now ...", "Done ..."), filled in when a test leaves it out.
    for key, state in raw["states"].items():
        state.setdefault("phrase", key.replace("_", " "))
    for transition in raw["transitions"]:
        transition.setdefault("done", f"{transition['label']}: done")
    return parse_definition(raw, "small.yaml", schema)


def texts(root) -> list[str]:
    """The visible text of each <text> element, its lines joined by spaces."""
    return [" ".join(" ".join(t.itertext()).split()) for t in root.iter(f"{NS}text")]


def state_groups(root, definition) -> dict[str, ET.Element]:
    """Each state's box group, found by its tooltip (label: description)."""
    out = {}
    for g in root.iter(f"{NS}g"):
        title = g.find(f"{NS}title")
        if title is None:
            continue
        for key, state in definition.states.items():
            if title.text == f"{state.label}: {state.description}":
                out[key] = g
    return out


def contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        def ch(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b_ = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b_)
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --- a well-formed, accessible image ----------------------------------------------

def test_is_a_standalone_svg_image(svg, root):
    assert svg.startswith("<svg")
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.get("font-family") == "Arial, sans-serif"


def test_title_and_description_label_the_image(root, definition):
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.text == definition.title
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    labelledby = root.get("aria-labelledby").split()
    assert labelledby == [title.get("id"), desc.get("id")]
    assert set(labelledby) <= ids


def test_description_has_a_sentence_per_transition(root, definition):
    desc = root.find(f"{NS}desc").text
    assert "From Screening, Author can Start full assessment, which leads to Full assessment." in desc
    assert ("From Challenge review, Equality lead can Approve for sign-off, which leads to Awaiting sign-off."
            in desc)
    assert ("From Published, Review due, Screened out, Screening decision published, Screening review due, "
            "Screening decision review due or Withdrawn from the register, "
            "Author or Equality lead can "
            "Start review, "
            "which keeps it where it is.") in desc
    assert "the system can Supersede, which leads to Superseded." in desc
    assert ("From Published, the system takes Review date reached on or after the review date, which leads to "
            "Review due.") in desc
    for t in definition.transitions.values():
        assert (f" takes {t.label} on or after " if t.timed else f" can {t.label}, ") in desc


def test_a_timed_transition_says_which_date_it_waits_for(root):
    assert "Review date reached (system, on the review date)" in " | ".join(texts(root))


def test_every_state_label_is_drawn(root, definition):
    drawn = texts(root)
    for state in definition.states.values():
        assert state.label in drawn


def test_every_transition_label_is_drawn_with_its_roles(root, definition):
    drawn = " | ".join(texts(root))
    for t in definition.transitions.values():
        if not t.system:
            assert t.label in drawn
    assert "Start full assessment (Author)" in drawn
    assert "Approve for sign-off (Equality lead)" in drawn
    assert "Mark review due (Author, Equality lead, Administrator)" in drawn
    assert "Supersede (system)" in drawn


def test_one_edge_per_source(root, definition):
    # Each edge carries its transition's number in a badge, and the legend lists it once more.
    numbers = {t.trigger: str(i) for i, t in enumerate(definition.transitions.values(), start=1)}
    drawn = texts(root)
    assert drawn.count(numbers["withdraw"]) == len(definition.transitions["withdraw"].sources) + 1
    assert drawn.count(numbers["start_review"]) == len(definition.transitions["start_review"].sources) + 1
    assert drawn.count(numbers["approve"]) == 2


# --- layout ----------------------------------------------------------------------

def box(group) -> tuple[float, float, float, float]:
    rect = group.find(f"{NS}rect")
    return tuple(float(rect.get(a)) for a in ("x", "y", "width", "height"))


def test_columns_follow_distance_from_the_initial_state(root, definition):
    groups = state_groups(root, definition)
    assert set(groups) == set(definition.states)
    x = {key: box(g)[0] for key, g in groups.items()}
    assert x["full_assessment"] == x["screen_out_proposed"] == x["withdrawn"]
    assert x["screening"] < x["full_assessment"] < x["challenge"] < x["awaiting_sign_off"] < x["signed_off"]
    assert x["signed_off"] < x["published"] < x["review_due"]
    # The main line runs straight along the top.
    y = {key: box(g)[1] for key, g in groups.items()}
    assert len({y[k] for k in ("screening", "full_assessment", "challenge", "awaiting_sign_off",
                               "signed_off", "published", "review_due")}) == 1


def test_boxes_and_badges_do_not_overlap(root, definition):
    boxes = [box(g) for g in state_groups(root, definition).values()]
    for (ax, ay, aw, ah), (bx, by, bw, bh) in itertools.combinations(boxes, 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
    badges = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
              for c in root.iter(f"{NS}circle") if c.get("r") == "11"]
    assert len(badges) > len(definition.transitions)
    for (ax, ay, ar), (bx, by, br) in itertools.combinations(badges, 2):
        assert math.dist((ax, ay), (bx, by)) >= ar + br
    for cx, cy, r in badges:
        for x, y, w, h in boxes:
            assert not (x - r < cx < x + w + r and y - r < cy < y + h + r)


def test_final_states_have_a_double_border_and_frozen_ones_say_so(root, definition):
    for key, g in state_groups(root, definition).items():
        state = definition.states[key]
        borders = [r for r in g.findall(f"{NS}rect") if r.get("stroke")]
        assert len(borders) == (2 if state.final else 1), key
        assert ("Frozen" in " ".join(g.itertext())) == state.frozen, key


def test_system_transitions_are_dashed(root, definition):
    dashed = [p for p in root.iter(f"{NS}path") if p.get("stroke-dasharray")]
    system_edges = sum(len(t.sources) for t in definition.transitions.values() if t.system)
    assert len(dashed) == system_edges + 1  # and the sample in the key


def test_box_colours_follow_the_tag_and_keep_text_readable(root, definition):
    fills = {}
    for key, g in state_groups(root, definition).items():
        rect = g.find(f"{NS}rect")
        fill, border = rect.get("fill"), rect.get("stroke")
        for text in g.iter(f"{NS}text"):
            assert contrast(text.get("fill"), fill) >= 4.5, key
        assert contrast(border, "#ffffff") >= 3.0, key
        fills[definition.states[key].tag] = (fill, border)
    assert fills["blue"][1] == "#1d70b8"
    assert fills["green"][1] == "#00703c"
    assert fills["blue"][0] != fills["green"][0]


# --- safe to embed under a strict Content-Security-Policy ---------------------------

def test_no_inline_styles_scripts_or_external_references(svg, root):
    assert "style=" not in svg
    for el in root.iter():
        assert "style" not in el.attrib
        assert el.tag not in (f"{NS}style", f"{NS}script", f"{NS}foreignObject", f"{NS}image", f"{NS}use")
        for name, value in el.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#")
            for ref in re.findall(r"url\(([^)]*)\)", value):
                assert ref.startswith("#")
                assert root.find(f".//*[@id='{ref[1:]}']") is not None


def test_hostile_labels_are_escaped(schema):
    states = {
        "start": {"label": HOSTILE_STATE, "description": "Starts <b>here</b> & now.", "tag": "yellow"},
        "end": {"label": "End & done", "description": "Ends.", "final": True},
    }
    transitions = [
        {"trigger": "go", "label": HOSTILE_TRANSITION, "source": "start", "dest": "end", "roles": ["author"]},
    ]
    definition = small_definition(schema, title="Title <script>x()</script> & co", states=states,
                                  transitions=transitions)
    svg = render_svg(definition)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp;" in svg
    root = ET.fromstring(svg)
    assert root.find(f".//{NS}script") is None
    assert root.find(f"{NS}title").text == "Title <script>x()</script> & co"
    drawn = " | ".join(texts(root))
    # The label is one long "word", so it is cut to fit its box.
    assert HOSTILE_STATE.replace(" ", "") in drawn.replace(" ", "")
    assert f"{HOSTILE_TRANSITION} (Author)" in drawn
    assert HOSTILE_TRANSITION in root.find(f"{NS}desc").text


# --- deterministic ------------------------------------------------------------------

def test_output_is_deterministic(definition, svg):
    assert render_svg(definition) == svg
    assert render_svg(load_definitions(WORKFLOWS).current("standard")) == svg


def test_output_does_not_depend_on_hash_order(svg):
    # Roles are frozensets of strings, whose order changes with the hash seed.
    code = ("from pathlib import Path; import sys; "
            "import eqia.registered; "
            "from eqia.workflow.definition import load_definitions; "
            "from eqia.diagram.svg import render_svg; "
            f"sys.stdout.write(render_svg(load_definitions(Path({str(WORKFLOWS)!r})).current('standard')))")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True).stdout
        assert out == svg


# --- small and odd workflows --------------------------------------------------------

def test_small_workflow_with_a_loop(schema):
    definition = small_definition(schema)
    svg = render_svg(definition)
    root = ET.fromstring(svg)
    drawn = " | ".join(texts(root))
    assert "Start here" in drawn and "Done" in drawn
    assert "Make a note (Author, Equality lead)" in drawn
    assert "From Start here, Author or Equality lead can Make a note, which keeps it where it is." in (
        root.find(f"{NS}desc").text)
    assert render_svg(definition) == svg


def test_single_state_workflow(schema):
    definition = small_definition(
        schema,
        states={"start": {"label": "Only state", "description": "Alone."}},
        transitions=[{"trigger": "poke", "label": "Poke", "source": "start", "dest": None,
                      "roles": ["admin"]}],
    )
    root = ET.fromstring(render_svg(definition))
    assert "Only state" in texts(root)
    assert "Poke (Administrator)" in " | ".join(texts(root))


def test_long_labels_wrap_inside_their_box(schema):
    long_label = "A state with a rather long label that must wrap over several lines"
    definition = small_definition(
        schema,
        states={"start": {"label": long_label, "description": "Long."},
                "end": {"label": "Supercalifragilisticexpialidociousness", "description": "Long word."}},
        transitions=[{"trigger": "go", "label": "Go", "source": "start", "dest": "end", "roles": ["author"]}],
    )
    root = ET.fromstring(render_svg(definition))
    assert long_label in texts(root)
    groups = state_groups(root, definition)
    label = groups["start"].find(f"{NS}text")
    assert len(label.findall(f"{NS}tspan")) > 1
    _, y, _, h = box(groups["start"])
    for tspan in label.findall(f"{NS}tspan"):
        assert y < float(tspan.get("y")) < y + h


def test_the_actions_table_says_what_signing_needs(client, auth, world):
    auth.sign_in(world.lead)
    page = BeautifulSoup(client.get("/workflow/").data, "html.parser")
    row = next(tr for tr in page.select("table tr") if tr.find("td") and tr.get_text().strip().startswith("Sign off"))
    assert "Decision-maker, who confirms the attestation and enters their password again" in row.get_text(" ")
