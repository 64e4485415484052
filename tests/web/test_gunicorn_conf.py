"""The gunicorn configuration ``make run``, the benchmark and production share."""

from __future__ import annotations

import importlib

import pytest

import arpkit.web.gunicorn_conf as gunicorn_conf


@pytest.fixture
def load(monkeypatch):
    def _load(**env: str):
        for name in ("ARPKIT_WEB_WORKERS", "ARPKIT_WEB_THREADS",
                     "ARPKIT_WEB_WORKER_CONNECTIONS", "ARPKIT_WEB_KEEPALIVE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn_conf)
    yield _load
    monkeypatch.undo()
    importlib.reload(gunicorn_conf)


def test_by_default_two_threaded_workers_share_the_connections_under_a_cap(load):
    conf = load()
    assert (conf.worker_class, conf.workers, conf.threads) == ("gthread", 2, 4)
    assert conf.worker_connections == 32
    assert conf.workers * conf.worker_connections >= 50


def test_each_setting_can_be_given_in_the_environment(load):
    conf = load(ARPKIT_WEB_WORKERS="4", ARPKIT_WEB_THREADS="2",
                ARPKIT_WEB_WORKER_CONNECTIONS="100", ARPKIT_WEB_KEEPALIVE="5")
    assert (conf.workers, conf.threads, conf.worker_connections, conf.keepalive) == (4, 2, 100, 5)


@pytest.mark.parametrize("value", ["two", "0", "-1"])
def test_a_setting_that_is_not_a_positive_whole_number_stops_the_server_with_its_name(
        load, value):
    with pytest.raises(SystemExit, match=f"ARPKIT_WEB_WORKERS='{value}'"):
        load(ARPKIT_WEB_WORKERS=value)
