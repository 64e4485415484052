"""axe-core WCAG 2.2 AA checks in the real browser (axe-playwright-python bundles axe-core)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from arpkit.web.core.accessibility import AXE_EXCLUSIONS, AXE_TAGS

_AXE = Axe()


def assert_accessible(page) -> None:
    """Fail with axe's report if the page has any WCAG 2.2 A/AA violation.

    Rules switched off are listed, with the reason, in ``arpkit.web.core.accessibility``
    (and so on the public accessibility statement).
    """
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS},
               "rules": {rule: {"enabled": False} for rule in AXE_EXCLUSIONS}}
    result = _AXE.run(page, options=options)
    assert result.violations_count == 0, result.generate_report()
    links = page.eval_on_selector_all(
        "main a[href]", "els => els.map(e => [e.innerText.trim(), e.getAttribute('href')])")
    seen: dict[str, str] = {}
    for text, href in links:
        if text in seen and seen[text] != href:
            raise AssertionError(f"link text {text!r} goes to {seen[text]} and {href}")
        seen[text] = href
