"""axe-core in a Playwright page, and the checks the accessibility tests share.

axe-core comes from the npm registry (package-lock.json pins it; `make static` runs `npm ci`).
It is evaluated in the page through Playwright rather than added as a <script> element: the
site's Content-Security-Policy allows no inline script, and the audit must see the page as a
visitor's browser does, with that policy in force (so no `bypass_csp`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

AXE_SOURCE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, as the issue asks, plus axe's best-practice rules:
# they are what checks headings are in order, that every part of a page is in a landmark and
# that ARIA roles suit their elements, all of which Lighthouse's accessibility score counts.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE_SOURCE.exists():
        raise FileNotFoundError(
            f"{AXE_SOURCE} is missing: run `make static` (npm ci installs axe-core)."
        )
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict]:
    """Run axe on the page as it is now; the violations, each with the nodes that fail."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;0")
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return results.violations;
        }""",
        tags or AXE_TAGS,
    )


def describe_violations(violations: list[dict], url: str, limit: int = 5) -> str:
    """A failure message a person can act on: rule, impact, where, how to fix, and why."""
    lines = [f"{len(violations)} accessibility rule(s) fail on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']}\n  {violation['helpUrl']}"
        )
        nodes = violation.get("nodes", [])
        for node in nodes[:limit]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    at {target}\n       {node.get('html', '')[:200]}\n       {summary}")
        if len(nodes) > limit:
            lines.append(f"    ... and {len(nodes) - limit} more element(s)")
    return "\n".join(lines)


# What counts as a visible focus indicator: GOV.UK Frontend draws focus as a yellow
# background with a dark underline (box-shadow) on links, a box-shadow on buttons and an
# outline on fields. An element that shows none of these when focused fails WCAG 2.4.7.
FOCUS_STATE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const transparent = (colour) => colour === 'transparent' || /rgba\\(.*,\\s*0\\)$/.test(colour);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && !transparent(style.outlineColor);
    const shadow = style.boxShadow !== 'none';
    const rect = element.getBoundingClientRect();
    return {
        html: element.outerHTML.slice(0, 160),
        visible: outline || shadow,
        onScreen: rect.width > 0 && rect.height > 0,
        id: element.id,
        tag: element.tagName.toLowerCase(),
        href: element.getAttribute('href'),
        text: (element.innerText || element.value || '').trim().slice(0, 80),
    };
}"""


def focused(page: Any) -> dict | None:
    """What has the keyboard focus, and whether it shows."""
    return page.evaluate(FOCUS_STATE)


def tab_to(page: Any, wanted: Any, limit: int = 200) -> dict:
    """Press Tab until `wanted(state)` is true for the focused element, as a keyboard user
    would, checking on the way that every stop shows its focus; the state of the element
    reached. Fails if it is not reached within `limit` presses."""
    seen = []
    for _press in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if state is None:
            continue
        assert state["visible"] or not state["onScreen"], f"focus not visible: {state['html']}"
        if wanted(state):
            return state
        seen.append(state["text"] or state["html"][:60])
    raise AssertionError(f"not reached by Tab in {limit} presses; went through: {seen[-20:]}")
