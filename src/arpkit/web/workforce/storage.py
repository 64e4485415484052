"""Where an uploaded HR extract waits for the import: ``MEDIA_ROOT/hr-imports/<id>/``,
owner-only (0700 folder, 0600 files), saved under fixed names so no uploaded name reaches the
file system."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def import_directory(import_id: object) -> Path:
    return Path(settings.MEDIA_ROOT) / "hr-imports" / str(import_id)


def saved_name(kind: str) -> str:
    return "mapping.yml" if kind == "mapping" else f"{kind}.csv"


def save(directory: Path, kind: str, uploaded) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    fd = os.open(directory / saved_name(kind), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
