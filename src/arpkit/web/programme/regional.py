"""The regional comparison page: the authority beside each peer, the regional pool and England,
from the engine's :func:`arpkit.engine.aggregates.compare_with_peers`.

Every figure is a *published* (DfE-suppressed) one, the authority's own included, so the page
shows nothing a peer could not see.  Workforce indicators are HR data: they are offered only to
people who may see the workforce dashboard.  The authority's code is the setting
``ARPKIT_LA_CODE`` or, failing that, the one authority whose returns are in the warehouse;
England's figures need ``ARPKIT_REFERENCE_DIR`` (the DfE published tables, metrics only).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from arpkit.web.core.permissions import has_permission
from arpkit.web.core.warehouse import authority_code, warehouse_path

DATASET_LABELS = {"metrics": "Disproportionality metrics", "pathway": "First-contact pathway",
                  "quality": "Ethnicity recording", "workforce": "Workforce race equity"}
GROUPS = ("ALL", "WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "MINORITY")
AREA_ORDER = {"authority": 0, "peer": 1, "region": 2, "england": 3}


@dataclass
class Table:
    areas: list[tuple[str, str]] = field(default_factory=list)  # (area_type, area)
    rows: list[dict] = field(default_factory=list)


def datasets_for(user) -> list[str]:
    out = ["metrics", "pathway", "quality"]
    if has_permission(user, "workforce.view"):
        out.append("workforce")
    return out


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def table_from(compare, measure: str) -> Table:
    """Rows of one measure (ethnic groups and all children), one column per area."""
    df = compare[(compare["measure"] == measure)
                 & compare["breakdown"].isin(["all", "ethnicity_group"])
                 & compare["group"].isin(GROUPS)]
    areas = sorted({(r.area_type, str(r.area)) for r in df.itertuples()},
                   key=lambda a: (AREA_ORDER.get(a[0], 9), a[1]))
    out = Table(areas=areas)
    keys = ["stage", "to_stage", "basis", "group", "reference_group"]
    for key, grp in df.groupby(keys, dropna=False, sort=False):
        by_area = {(r.area_type, str(r.area)): r for r in grp.itertuples()}
        cells = []
        for a in areas:
            r = by_area.get(a)
            if r is None:
                cells.append({"text": "", "note": "not shared"})
            elif bool(r.suppressed):
                cells.append({"text": "c", "note": "suppressed"})
            else:
                interval = (f"{_fmt(r.ci_lower)} to {_fmt(r.ci_upper)}"
                            if _fmt(r.ci_lower) else "")
                pooled = (f"{int(r.authorities)} authorities"
                          + (f", {int(r.excluded_suppressed)} left out (suppressed)"
                             if r.excluded_suppressed else "")) if a[0] == "region" else ""
                cells.append({"text": _fmt(r.value), "interval": interval, "note": pooled})
        label = " to ".join(str(k) for k in key[:2] if isinstance(k, str) and k)
        out.rows.append({"what": label, "basis": key[2] if isinstance(key[2], str) else "",
                         "group": key[3], "reference": key[4] if isinstance(key[4], str)
                         else "", "cells": cells})
    return out


_CACHE: dict[tuple, object] = {}
_LOCK = threading.Lock()


def _cached_compare(path: Path, period: int, la: str, dataset: str, compare_with_peers):
    """The comparison, computed once per warehouse version (file size and modification time),
    because counting the authority's own figures takes seconds."""
    stat = path.stat()
    threshold = getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5)
    reference = getattr(settings, "ARPKIT_REFERENCE_DIR", None)
    key = (str(path), stat.st_mtime_ns, stat.st_size, period, la, dataset, threshold,
           str(reference))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    compare = compare_with_peers(path, period, la_code=la, dataset=dataset, threshold=threshold,
                                 reference_dir=reference)
    with _LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = compare
    return compare


def page(request: HttpRequest) -> dict:
    """The context for ``programme/regional.html`` (messages explain anything missing)."""
    allowed = datasets_for(request.user)
    dataset = request.GET.get("dataset") or "metrics"
    if dataset not in allowed:
        dataset = "metrics"
    context: dict = {"datasets": [(d, DATASET_LABELS[d]) for d in allowed],
                     "dataset": dataset, "period": None, "problem": None}
    path = warehouse_path()
    if not path.exists():
        context["problem"] = "There is no warehouse yet: import the statutory returns first."
        return context
    la = authority_code()
    if la is None:
        context["problem"] = ("The authority's code is not known: the warehouse holds several "
                              "authorities. Ask an administrator to set ARPKIT_LA_CODE.")
        return context
    from arpkit.engine.aggregates import compare_with_peers, peer_table
    from arpkit.engine.errors import ArpkitError
    from arpkit.engine.warehouse import connect

    con = connect(path)
    try:
        if dataset == "workforce":
            from arpkit.engine.workforce import hr_periods

            periods = hr_periods(con, [la])
        else:
            from arpkit.engine.metrics import periods_present

            periods = periods_present(con)
        peers = peer_table(con)
    except ArpkitError as error:
        context["problem"] = str(error)
        return context
    finally:
        con.disconnect()
    wanted = request.GET.get("period", "")
    period = int(wanted) if wanted.isdigit() and int(wanted) in periods else \
        (periods[-1] if periods else None)
    context.update(periods=periods, period=period, la_code=la,
                   peers=sorted(set(peers["la_code"])) if len(peers) else [])
    if period is None:
        context["problem"] = f"There are no {DATASET_LABELS[dataset].lower()} figures yet."
        return context
    try:
        compare = _cached_compare(path, period, la, dataset, compare_with_peers)
    except ArpkitError as error:
        context["problem"] = str(error)
        return context
    measures = list(dict.fromkeys(compare["measure"]))
    measure = request.GET.get("measure")
    if measure not in measures:
        measure = "disparity_ratio" if "disparity_ratio" in measures else measures[0]
    context.update(measures=measures, measure=measure, table=table_from(compare, measure))
    return context
