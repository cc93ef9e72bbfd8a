"""The programme's charts (issue 18): bars drawn on the server as SVG, beside a table with the same figures.
Each chart is read back from the page and its bars measured against the table's figures: a segment's width is
in proportion to its figure, a figure of 0 draws nothing, and nothing to draw divides by nothing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from eqia.bar_charts import BAR_LENGTH, stacked_bars
from eqia.extensions import db
from eqia.services import activities
from tests.test_heat_map import spread  # noqa: F401  (a fixture: assessments that judged impacts)
from tests.conftest import work_out_figures

CLOSE = 0.02  # the geometry is written to two decimal places


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def table_of(soup: BeautifulSoup, selector: str) -> tuple[list[str], list[list[str]]]:
    table = soup.select_one(selector)
    return ([th.get_text(strip=True) for th in table.select("thead th")],
            [[cell.get_text(strip=True) for cell in tr.select("th, td")] for tr in table.select("tbody tr")])


def key_of(rect) -> str:
    """Which figure a segment (or a legend's swatch) stands for, from its class."""
    prefix = "app-chart__segment--"
    return next(c.removeprefix(prefix) for c in rect["class"] if c.startswith(prefix))


def bars_of(soup: BeautifulSoup) -> list[dict]:
    """Each bar of the page's chart as drawn: its label, its segments (key, x, width) left to right, the
    figures written in them (with where), and the figure after it."""
    svg = soup.select_one("svg.app-chart")
    assert svg["aria-hidden"] == "true"  # the table carries the figures
    drawn = []
    for row in svg.select("g.app-chart__row"):
        segments = [(key_of(rect), float(rect["x"]), float(rect["width"])) for rect in row.select("rect")]
        assert [x for _k, x, _w in segments] == sorted(x for _k, x, _w in segments)
        drawn.append({"label": row.select_one(".app-chart__label").get_text(), "segments": segments,
                      "written": [(float(t["x"]), t.get_text()) for t in row.select(".app-chart__figure")],
                      "total": row.select_one(".app-chart__total").get_text()})
    return drawn


def legend_of(soup: BeautifulSoup) -> list[tuple[str, str]]:
    return [(key_of(item.select_one("rect")), item.get_text(strip=True))
            for item in soup.select(".app-chart-legend li")]


def assert_drawn_as(bar: dict, figures: dict[str, int], per_unit: float) -> None:
    """The bar's segments are the figures that are not 0, in the legend's order, each `per_unit` wide a unit,
    meeting end to end; a figure written in a segment is that segment's."""
    assert [key for key, _x, _w in bar["segments"]] == [key for key, n in figures.items() if n]
    edge = 0.0
    for key, x, width in bar["segments"]:
        assert x == pytest.approx(edge, abs=CLOSE)
        assert width == pytest.approx(figures[key] * per_unit, abs=CLOSE)
        edge = x + width
    for at, text in bar["written"]:
        [inside] = [key for key, x, width in bar["segments"] if x <= at <= x + width]
        assert text == str(figures[inside])
    assert bar["total"] == str(sum(figures.values()))


def test_the_coverage_chart_draws_each_directorates_share_of_each_bucket(client, auth, world):
    def add(name: str, directorate, state: str | None = None) -> None:
        made = activities.add(world.lead, {"name": name, "kind": "policy", "relevance": "high",
                                           "directorate_id": directorate.id, "needs_assessment": "yes"})
        if state:
            activities.link(world.lead, made, world.make_assessment(state, title=name).reference)

    add("Libraries", world.directorate, "published")
    add("Parks", world.directorate, "review_due")
    add("Leisure", world.directorate, "screening")
    for n in range(3):
        add(f"Museums {n}", world.directorate)
    add("Roads", world.other_directorate, "published")
    add("Gritting", world.other_directorate)
    db.session.commit()
    work_out_figures()
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/coverage"))
    heads, body = table_of(soup, "#coverage")
    assert body == [["Adult Social Care", "6", "1", "1", "1", "3"], ["Highways", "2", "1", "0", "0", "1"],
                    ["All directorates", "8", "2", "1", "1", "4"]]
    assert [label for _key, label in legend_of(soup)] == heads[2:]
    bars = bars_of(soup)
    assert [bar["label"] for bar in bars] == [row[0] for row in body]
    for bar, row in zip(bars, body):
        figures = dict(zip([key for key, _label in legend_of(soup)], map(int, row[2:])))
        # Each bar is its directorate's whole: a share, whatever the directorate's size.
        assert_drawn_as(bar, figures, BAR_LENGTH / int(row[1]))
    assert [key for key, _x, _w in bars[1]["segments"]] == ["current", "not_assessed"]  # 0 draws nothing
    assert [text for _at, text in bars[0]["written"]] == ["1", "1", "1", "3"]  # each wide enough to write in


def test_the_heat_map_chart_draws_each_groups_impacts_on_one_scale(client, auth, world, spread):  # noqa: F811
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/heat-map"))
    heads, body = table_of(soup, "#heat-map")
    assert [label for _key, label in legend_of(soup)] == heads[1:] == ["Positive", "Negative", "Neutral",
                                                                       "Not yet known"]
    bars = bars_of(soup)
    assert [bar["label"] for bar in bars] == [row[0] for row in body]
    keys = [key for key, _label in legend_of(soup)]
    largest = max(sum(map(int, row[1:])) for row in body)
    assert largest == 3  # age: three assessments found a negative impact on it
    for bar, row in zip(bars, body):
        assert_drawn_as(bar, dict(zip(keys, map(int, row[1:]))), BAR_LENGTH / largest)
    age = bars[[row[0] for row in body].index("Age")]
    assert [key for key, _x, _w in age["segments"]] == ["negative"]
    empty = page(client.get("/programme/heat-map?to=2000-01-01"))
    assert not empty.select("svg.app-chart") and not empty.select(".app-chart-legend")


def test_the_pipeline_chart_draws_each_states_total_on_one_scale(client, auth, world):
    for state in ("screening", "screening", "challenge", "published"):
        world.make_assessment(state)
    work_out_figures()
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/pipeline"))
    _heads, body = table_of(soup, "#states")
    bars = bars_of(soup)
    assert [bar["label"] for bar in bars] == [row[0] for row in body] == ["Screening", "Challenge review",
                                                                           "Published"]
    for bar, row in zip(bars, body):
        assert_drawn_as(bar, {"total": int(row[1])}, BAR_LENGTH / 2)
        assert bar["written"] == []  # one figure a bar: written after it, not twice
    assert not soup.select(".app-chart-legend")


def test_an_empty_register_draws_no_chart(client, auth, world):
    activities.add(world.lead, {"name": "Staff canteen menu", "kind": "other", "relevance": "none",
                                "directorate_id": world.directorate.id, "needs_assessment": "no"})
    db.session.commit()
    work_out_figures()
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/coverage"))
    assert not soup.select("svg.app-chart") and not soup.select(".app-chart-legend")
    assert "No activity in the register needs an assessment yet." in soup.get_text()


def test_bars_with_nothing_to_draw_divide_by_nothing():
    assert stacked_bars([], ["a", "b"]).bars == [] and stacked_bars([], ["a"]).height == 0
    for each_whole in (False, True):
        chart = stacked_bars([("Nothing", {"a": 0, "b": 0}), ("Nor this", {})], ["a", "b"],
                             each_whole=each_whole)
        assert [(bar.label, bar.total, bar.segments, bar.end) for bar in chart.bars] == [
            ("Nothing", 0, [], 0.0), ("Nor this", 0, [], 0.0)]


def test_segments_meet_end_to_end_and_the_largest_bar_is_full_length():
    thirds, one = stacked_bars([("Thirds", {"a": 1, "b": 1, "c": 1}), ("One key", {"b": 3, "z": 99})],
                               ["a", "b", "c"]).bars
    assert [s.x for s in thirds.segments] == [0, 180, 360] and thirds.end == BAR_LENGTH
    # A figure under a key the chart does not draw is neither drawn nor counted in the bar's total.
    assert [(s.key, s.x, s.width) for s in one.segments] == [("b", 0, 540)] and one.total == 3
    sevenths = stacked_bars([("Sevenths", {"a": 1, "b": 5, "c": 1})], ["a", "b", "c"]).bars[0]
    assert [s.x for s in sevenths.segments] == [0, 77.14, 462.86]
    assert sevenths.end == pytest.approx(BAR_LENGTH)
    shares = stacked_bars([("Big", {"a": 90, "b": 10}), ("Small", {"a": 1, "b": 1})], ["a", "b"],
                          each_whole=True)
    assert [[s.width for s in bar.segments] for bar in shares.bars] == [[486, 54], [270, 270]]
