"""Shared fixtures: paths to the public sample files, an isolated pseudonym key, one Spark."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: public sample files in the real formats (read-only)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


TEST_KEY = "test-key-not-secret-0123456789abcdef"


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture runs (module and session fixtures included): a fixed test key, so no
    key file is ever created in the developer's home directory, and no local ethnicity
    decisions or warehouse path leak in from the environment."""
    import os
    import tempfile

    os.environ["ARPKIT_PSEUDONYM_KEY"] = TEST_KEY
    scratch = Path(tempfile.mkdtemp(prefix="arpkit-test-env-"))
    os.environ["ARPKIT_KEY_FILE"] = str(scratch / "unused.key")
    os.environ["ARPKIT_ETHNICITY_MAP"] = str(scratch / "no-local-map.yml")
    os.environ.pop("ARPKIT_WAREHOUSE", None)


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with the test key (a test may unset it to exercise the key file)."""
    monkeypatch.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One local Spark session per test process (one core, no UI, one shuffle partition,
    UTC), shared by every Spark test so a worker starts one JVM. Tests take
    ``spark.newSession()`` if they register their own tables."""
    import os
    import shutil

    pytest.importorskip("pyspark", reason="pyspark is not installed (extra 'spark')")
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        pytest.skip("Spark needs Java 17: no `java` on PATH and JAVA_HOME is not set")
    from pyspark.sql import SparkSession

    scratch = tmp_path_factory.mktemp("spark")  # not ./spark-warehouse or ./derby.log
    session = (
        SparkSession.builder.master("local[1]")
        .appName("arpkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
