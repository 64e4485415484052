"""URL arguments for the workforce app's views (see tests/web/url_walk.py)."""

from arpkit.web.workforce.models import HRImport


def _import() -> dict:
    return {"import_id": HRImport.objects.create(la_code="999",
                                                 file_names={"mapping": "hr.yml"}).pk}


SAMPLES = {"workforce:import_detail": _import}
