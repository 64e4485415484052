"""What a user may see of the cached tables: suppression by role, teams by membership.

Analysts (``dashboards.view_unsuppressed``) read the unsuppressed tables; every other role reads
the DfE-suppressed ones. Team managers and practitioners see team rows only for their own teams
(:func:`arpkit.web.accounts.selectors.managed_team_codes`); authority-wide figures are the same
for every dashboard role. Views reach the cached tables only through :func:`dashboard_data_for`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from arpkit.web.accounts.selectors import managed_team_codes
from arpkit.web.core.permissions import has_permission
from arpkit.web.dashboards import cache


@dataclass
class DashboardData:
    """The cached tables as one user may see them."""

    manifest: cache.Manifest
    suppression: str
    team_scope: frozenset[str] | None  # None: every team
    root: Path

    @property
    def suppressed(self) -> bool:
        return self.suppression == "dfe"

    @property
    def directory(self) -> Path:
        return self.manifest.directory(self.root)

    @property
    def periods(self) -> list[int]:
        return self.manifest.periods

    @property
    def teams_visible(self) -> bool:
        return self.team_scope is None or bool(self.team_scope)

    def frame(self, kind: str, period: int | None = None) -> pd.DataFrame:
        """A cached table with the engine's ``attrs`` (shared: do not modify in place)."""
        df = cache.load(self.manifest, kind, self.suppression, self.root)
        out = df.copy(deep=False)
        return cache.restore_attrs(out, self.manifest, kind, self.suppression, period)

    def team_rows(self, rows: pd.DataFrame, *, column: str,
                  wanted: str | None = None) -> pd.DataFrame:
        """Only the teams this user may see (and the one chosen in the filter, if any)."""
        if rows.empty:
            return rows
        keep = pd.Series(True, index=rows.index)
        if self.team_scope is not None:
            keep &= rows[column].isin(sorted(self.team_scope)).fillna(False)
        if wanted:
            keep &= (rows[column] == wanted).fillna(False)
        out = rows[keep.astype(bool)].reset_index(drop=True)
        out.attrs = dict(rows.attrs)
        return out

    def team_choices(self) -> list[str]:
        """Teams that appear in the cached tables and that this user may see."""
        names = cache.team_codes(self.manifest, self.suppression, self.root)
        if self.team_scope is not None:
            return [t for t in names if t in self.team_scope]
        return list(names)


def suppression_for(user) -> str:
    """``none`` (every count) for analysts, ``dfe`` for every other role."""
    return "none" if has_permission(user, "dashboards.view_unsuppressed") else "dfe"


def dashboard_data_for(user) -> DashboardData | None:
    """The live cache as ``user`` may see it, or None when nothing has been imported."""
    root = cache.cache_root()
    manifest = cache.read_manifest(root)
    if manifest is None or not manifest.directory(root).is_dir():
        return None
    codes = managed_team_codes(user)
    return DashboardData(manifest=manifest, suppression=suppression_for(user),
                         team_scope=None if codes is None else frozenset(codes), root=root)


def team_scopes() -> dict[str, list[frozenset[str]]]:
    """The distinct team scopes of active users who see dashboards for their own teams only,
    by the suppression they see, so their team pages can be drawn ahead too."""
    from arpkit.web.accounts.models import User

    out: dict[str, set[frozenset[str]]] = {}
    for user in User.objects.filter(is_active=True):
        if not has_permission(user, "dashboards.view"):
            continue
        codes = managed_team_codes(user)
        if codes:
            out.setdefault(suppression_for(user), set()).add(frozenset(codes))
    return {k: sorted(v, key=sorted) for k, v in out.items()}
