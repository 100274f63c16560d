"""The hardened server settings are what the docs say (issue: data safety)."""

import tomllib

from reporting import db


def test_hardened_streamlit_config():
    config = tomllib.loads((db.PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 10
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["fileWatcherType"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True  # its CSV would carry formulas from data
