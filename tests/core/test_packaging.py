"""pyproject.toml is the one description of the project; the requirements files a newcomer uses say the same.

requirements.txt (the app), requirements-ray.txt (the `ray` extra), requirements-dev.txt (the `dev` extra) and
deploy/requirements-cloud.txt (Streamlit Community Cloud: the app's list plus the CPU wheel index) are kept for
the README's one-line commands; these tests fail when one drifts from pyproject.toml.
"""

import tomllib

from conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def requirement_lines(name: str) -> list[str]:
    """The requirements of a file, without comments, options (-r, --extra-index-url) or blank lines."""
    lines = []
    for line in (REPO / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def test_requirements_txt_is_the_projects_dependencies():
    assert requirement_lines("requirements.txt") == PROJECT["dependencies"]


def test_the_cloud_requirements_are_the_apps_plus_the_cpu_wheels():
    cloud = (REPO / "deploy" / "requirements-cloud.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in cloud
    assert requirement_lines("deploy/requirements-cloud.txt") == PROJECT["dependencies"]


def test_the_ray_and_dev_files_are_the_extras():
    extras = PROJECT["optional-dependencies"]
    assert requirement_lines("requirements-ray.txt") == extras["ray"]
    assert "-r requirements.txt" in (REPO / "requirements-ray.txt").read_text()
    assert requirement_lines("requirements-dev.txt") == extras["dev"]
    assert "-r requirements.txt" in (REPO / "requirements-dev.txt").read_text()


def test_the_installer_gives_uv_the_places_pip_is_configured_with():
    from scripts.install import uv_arguments

    config = "\n".join([  # `pip config list` prints each value as Python's repr
        ":env:.cert='/etc/ssl/certs/ca-certificates.crt'",
        ":env:.find-links='/opt/wheels'",
        "download.index-url='https://not-for-install.example/simple'",  # another command's section
        "global.constraint='/etc/xdg/pip/constraints.txt'",
        "global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'",
        "global.find-links='/srv/other-wheels'",
        "global.timeout='60'",
        "install.trusted-host='\\nmirror.example\\nother.example'",  # a value of several lines in pip.conf
    ])
    args = uv_arguments(config)
    assert args == ["--index-strategy", "unsafe-best-match",  # pip's rule: the best version from any index
                    "--extra-index-url", "file:///opt/pypi/simple", "--extra-index-url", "file:///opt/pypi-more/simple",
                    "--find-links", "/opt/wheels",  # the variable wins over the file, as for pip
                    "--constraint", "/etc/xdg/pip/constraints.txt",
                    "--allow-insecure-host", "mirror.example", "--allow-insecure-host", "other.example"]
    assert uv_arguments("") == ["--index-strategy", "unsafe-best-match"]
    assert uv_arguments("install.index-url='https://a.example/simple'\nglobal.index-url='https://b.example/simple'"
                        )[2:] == ["--index-url", "https://a.example/simple"]  # [install] before [global]
    assert uv_arguments("global.no-index='true'")[-1] == "--no-index"
    assert uv_arguments("global.proxy='http://proxy.example:3128'") is None  # only pip is told of it: pip installs
