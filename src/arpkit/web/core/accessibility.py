"""Known accessibility exceptions, shared by the axe-core browser tests and the public
accessibility statement so the two can never disagree.

Each entry is an axe-core rule switched off in the automated WCAG 2.2 AA check, with the reason
and the upstream issue that justifies it. Re-run with each rule on whenever GOV.UK Frontend is
upgraded, and remove entries that no longer apply.
"""

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

AXE_EXCLUSIONS: dict[str, str] = {}
