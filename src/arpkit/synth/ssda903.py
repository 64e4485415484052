"""Write the SSDA903 CSV tables of a synthetic authority (Header, Episodes, UASC).

Why these three: they are what CLA stage counting needs (docs/formats.md §1.2); the other nine
903 tables do not affect any count.  Columns are in the export order of docs/formats.md §1.1,
dates ``dd/mm/YYYY``, SEX ``1``/``2`` before 2025 and ``M``/``F``/``U`` from 2025 (§1.6), and
only children looked after at some time in the year appear.  Episodes are those open at some
point in the year, so a child in care on 1 April starts with an episode that began earlier
(as in a real return).  The child's 903 ETHNIC is the census code except for the configured
cross-return conflicts.
"""

from __future__ import annotations

import csv
from pathlib import Path

from arpkit.synth import codes
from arpkit.synth.model import Block, Plan

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                   "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
UASC_COLUMNS = ("CHILD", "SEX", "DOB", "DUC")


class Ssda903Writer:
    """Streams ``header.csv``, ``episodes.csv`` and ``uasc.csv`` into ``directory``."""

    def __init__(self, directory: Path, plan: Plan) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {name: directory / f"{name}.csv" for name in ("header", "episodes", "uasc")}
        self.plan = plan
        self.cal = plan.cal
        self.sex = ("M", "F", "U") if plan.period >= 2025 else ("1", "2", "")
        self._files = {k: p.open("w", encoding="utf-8", newline="") for k, p in self.paths.items()}
        self._csv = {k: csv.writer(f) for k, f in self._files.items()}
        self._csv["header"].writerow(HEADER_COLUMNS)
        self._csv["episodes"].writerow(EPISODE_COLUMNS)
        self._csv["uasc"].writerow(UASC_COLUMNS)
        self.children = 0
        self.episodes = 0

    def write(self, block: Block) -> None:
        uk = self.cal.uk
        end = self.cal.end
        header, episodes, uasc = [], [], []
        for i in block.cla.nonzero()[0].tolist():
            child = block.ids[i]
            dob = uk(int(block.dob[i]))
            sex = self.sex[block.sex[i]]  # the model gives looked-after children M or F
            age = (end - int(block.dob[i])) / 365.25
            mother = ""
            if block.sex[i] == 1 and age >= 11:
                mother = "1" if block.mother[i] else "0"
            mc_dob = uk(int(block.mc_dob[i])) if block.mother[i] else ""
            upn = block.upn[i] or "UN1"
            header.append((child, sex, dob, codes.ETHNIC_CODES[block.ssda_code[i]], upn, mother,
                           mc_dob))
            need = codes.PRIMARY_NEEDS[block.need[i]]
            home = block.home_post[i]
            for ep in block.episodes[i] or ():
                episodes.append((
                    child, uk(ep.decom), ep.rne, ep.ls, need, ep.place, ep.provider,
                    uk(ep.dec) if ep.dec >= 0 else "", ep.rec, ep.reason_change, home,
                    ep.pl_post, ep.urn,
                ))
            if block.uasc[i]:
                duc = self.cal.eighteenth_birthday(int(block.dob[i]))
                uasc.append((child, sex, dob, uk(duc)))
        self._csv["header"].writerows(header)
        self._csv["episodes"].writerows(episodes)
        self._csv["uasc"].writerows(uasc)
        self.children += len(header)
        self.episodes += len(episodes)

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def abort(self) -> None:
        self.close()
        for p in self.paths.values():
            p.unlink(missing_ok=True)
