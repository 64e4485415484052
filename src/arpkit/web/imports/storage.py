"""Where uploaded returns are kept: ``MEDIA_ROOT/imports/<job id>/<file>``, owner-only.

Uploaded returns hold identifiable children's data until the engine pseudonymises them, so the
directory is 0700 and each file 0600, and names are reduced to a safe base name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename


def safe_name(name: str) -> str:
    return get_valid_filename(os.path.basename(name)) or "upload"


def job_directory(job_id: object) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(job_id)


def save_upload(directory: Path, uploaded) -> tuple[str, int, str]:
    """Write one uploaded file (0600) and return its name, size and SHA-256."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    name = safe_name(uploaded.name)
    path = directory / name
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return name, size, digest.hexdigest()
