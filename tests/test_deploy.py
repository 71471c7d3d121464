"""Deployment files stay in step with the code: Streamlit's config, the Dockerfile, cloud requirements."""

import re
import tomllib

from conftest import REPO


def test_streamlit_config_is_valid_and_hardened():
    from streamlit import config

    with open(REPO / ".streamlit" / "config.toml", "rb") as f:
        settings = tomllib.load(f)
    options = config.get_config_options()
    for section, values in settings.items():
        for name in values:
            assert f"{section}.{name}" in options, f"unknown Streamlit option {section}.{name}"
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["runner"]["postScriptGC"] is False  # see the comment in the file: it starved the server
    assert settings["server"]["fileWatcherType"] == "none"
    assert settings["server"]["maxUploadSize"] >= 200


def test_dockerfile_copies_what_the_app_needs_and_runs_it():
    text = (REPO / "Dockerfile").read_text()
    copied = {src for line in re.findall(r"^COPY (.+)$", text, re.M) for src in line.split()[:-1]}
    for path in copied:
        assert (REPO / path).exists(), path
    imported = {"app.py", "cnn_core", "pages", "ui", ".streamlit", "requirements.txt"}
    assert imported <= copied
    assert "download.pytorch.org/whl/cpu" in text
    assert re.search(r'CMD \["streamlit", "run", "app.py"', text)


def test_cloud_requirements_match_the_app_requirements():
    def packages(name):
        lines = (REPO / name).read_text().splitlines()
        return {line.strip() for line in lines if line.strip() and not line.startswith(("#", "-"))}

    assert packages("deploy/requirements-cloud.txt") == packages("requirements.txt")
