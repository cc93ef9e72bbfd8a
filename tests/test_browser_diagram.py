"""The workflow diagram in a real browser at a laptop's width: nothing of it is
cut off, and it scrolls inside its own focusable region rather than the page."""

from __future__ import annotations

import pytest

from tests.test_browser_journey import SCREENSHOTS, Person, browser, check, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_the_workflow_diagram_fits_or_scrolls_inside_its_region_at_1280_wide(live_server, browser, world):
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    page = lead.page
    page.set_viewport_size({"width": 1280, "height": 800})
    lead.go("/workflow/")
    check(page, "workflow-diagram-1280")
    page.screenshot(path=str(SCREENSHOTS / "workflow-diagram-1280-window.png"))
    geometry = page.evaluate("""() => {
        const region = document.querySelector('.app-diagram');
        const svg = region.querySelector('svg');
        const r = region.getBoundingClientRect(), s = svg.getBoundingClientRect();
        return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
                regionLeft: r.left, regionRight: r.right, regionScroll: region.scrollWidth,
                regionClient: region.clientWidth, svgWidth: s.width, overflow: getComputedStyle(region).overflowX,
                tabindex: region.getAttribute('tabindex'), role: region.getAttribute('role'),
                label: region.getAttribute('aria-label')};
    }""")
    # The page itself never scrolls sideways, and the region lies within the window.
    assert geometry["page"] <= geometry["viewport"], geometry
    assert geometry["regionLeft"] >= 0 and geometry["regionRight"] <= geometry["viewport"], geometry
    # All of the drawing can be seen: whole in the region, or reached by scrolling the region itself.
    if geometry["regionScroll"] > geometry["regionClient"]:
        assert geometry["overflow"] in ("auto", "scroll"), geometry
        assert geometry["tabindex"] == "0" and geometry["role"] == "region" and "scroll" in geometry["label"]
        # Sighted people are told too: a box cut off at the edge looks like a clipped drawing.
        hint = page.locator("#diagram-hint")
        assert hint.is_visible() and "scroll it sideways" in hint.text_content()
        assert page.get_attribute(".app-diagram", "aria-describedby") == "diagram-hint"
        assert page.evaluate("() => getComputedStyle(document.querySelector('.app-diagram')).scrollbarWidth") \
            == "auto"
        page.focus(".app-diagram")
        for _ in range(60):
            page.keyboard.press("ArrowRight")
        # Each press may scroll smoothly: wait for the region to come to rest at its end.
        page.wait_for_function("() => { const r = document.querySelector('.app-diagram');"
                               " return r.scrollLeft >= r.scrollWidth - r.clientWidth - 1; }", timeout=10_000)
        end = page.evaluate("""() => { const r = document.querySelector('.app-diagram');
            const s = r.querySelector('svg').getBoundingClientRect(), b = r.getBoundingClientRect();
            return {left: r.scrollLeft, room: r.scrollWidth - r.clientWidth, svgRight: s.right, regionRight: b.right}; }""")
        assert end["left"] >= end["room"] - 1, ("the keyboard reaches the right-hand end of the diagram", end)
        assert end["svgRight"] <= end["regionRight"] + 1, ("nothing of the drawing is cut off at the end", end)
    else:
        assert geometry["svgWidth"] <= geometry["regionClient"] + 1, geometry
    lead.context.close()
