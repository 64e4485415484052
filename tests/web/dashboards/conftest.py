from tests.web.dashboards.fixtures import cached, demo_cache  # noqa: F401
