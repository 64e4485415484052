"""URL arguments for the dashboards' parameterised views (see tests/web/url_walk.py)."""

SAMPLES = {
    "dashboards:download": lambda: {"page": "disproportionality", "fmt": "csv"},
}
