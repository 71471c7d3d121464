"""Deployment files stay in step with the code: Streamlit's config, the Dockerfile, cloud requirements."""

import json
import re
import tomllib

import pytest
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
    # Streamlit's English the app removes by option, not by script (ui/shell/static/component_texts.js):
    assert settings["client"]["toolbarMode"] == "minimal"  # no ⋮ menu
    assert settings["client"]["disableDataExport"] is True  # no "Download as CSV" / "Copy to clipboard"
    assert settings["runner"]["postScriptGC"] is False  # see the comment in the file: it starved the server
    assert settings["server"]["fileWatcherType"] == "none"
    assert settings["server"]["maxUploadSize"] >= 200


def test_dockerfile_copies_what_the_app_needs_and_runs_it():
    text = (REPO / "Dockerfile").read_text()
    copied = {src for line in re.findall(r"^COPY (.+)$", text, re.M) for src in line.split()[:-1]}
    for path in copied:
        assert (REPO / path).exists(), path
    imported = {"app.py", "server.py", "cnn_core", "pages", "ui", ".streamlit", "requirements.txt"}
    assert imported <= copied
    assert "download.pytorch.org/whl/cpu" in text
    assert re.search(r'CMD \["streamlit", "run", "server.py"', text)  # its log says the key's state at start


def test_cloud_requirements_match_the_app_requirements():
    def packages(name):
        lines = (REPO / name).read_text().splitlines()
        return {line.strip() for line in lines if line.strip() and not line.startswith(("#", "-"))}

    assert packages("deploy/requirements-cloud.txt") == packages("requirements.txt")


# ------------------------------------------------------------------ a room bigger than one machine

def _yaml(name):
    import yaml

    return yaml.safe_load((REPO / name).read_text())


def _ray_pin() -> str:
    text = (REPO / "requirements-ray.txt").read_text()
    return re.search(r"^ray\[default\]==([\d.]+)$", text, re.M).group(1)


def _env(container) -> dict:
    env = container.get("environment") or container.get("env") or {}
    if isinstance(env, list):  # Kubernetes: [{name, value | valueFrom}]
        return {e["name"]: e.get("value", e.get("valueFrom")) for e in env}
    return env


def test_compose_runs_the_app_and_ray_nodes_as_the_code_expects():
    RAY_ADDRESS_ENV = "CNN_PLAYGROUND_RAY_ADDRESS"

    services = _yaml("docker-compose.yml")["services"]
    app, head, worker = services["app"], services["ray-head"], services["ray-worker"]
    dockerfile = (REPO / "Dockerfile").read_text()
    assert app["command"] == json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert "ARG WITH_RAY" in dockerfile and "pip install -r requirements-ray.txt" in dockerfile
    for service in (app, head, worker):  # one image, built with Ray, for every role
        assert service["image"] == "cnn-playground:ray" and service["build"]["args"]["WITH_RAY"] == "1"
        assert _env(service)["RAY_AUTH_MODE"] == "token" and "RAY_AUTH_TOKEN" in _env(service)
    address = re.fullmatch(r"\$\{%s:-(.+)\}" % RAY_ADDRESS_ENV, _env(app)[RAY_ADDRESS_ENV]).group(1)
    host, port = address.split(":")  # the compose head unless the operator points at another
    assert host == "ray-head" and f"--port={port}" in head["command"]
    assert "--head" in head["command"] and "--num-cpus=0" in head["command"]
    assert any(part.startswith("--address=") and port in part for part in worker["command"])
    data_dir = re.search(r"CNN_PLAYGROUND_DATA_DIR=(\S+)", dockerfile).group(1)
    assert _env(worker)["CNN_PLAYGROUND_DATA_DIR"] == data_dir
    from cnn_core.base.env import VARS

    read = {var.env for var in VARS}  # the one table of the variables cnn_core reads
    for service in services.values():
        for name in _env(service):
            if name.startswith("CNN_PLAYGROUND_"):
                assert name in read, f"{name} is set in docker-compose.yml but read nowhere in cnn_core"
    sticky = [label for label in app["labels"] if "sticky.cookie=true" in label]
    assert sticky  # a browser's session lives in one replica


def test_kuberay_cluster_matches_the_pinned_ray_and_the_image():
    cluster = _yaml("deploy/kuberay-raycluster.yaml")
    assert cluster["kind"] == "RayCluster" and cluster["spec"]["rayVersion"] == _ray_pin()
    head = cluster["spec"]["headGroupSpec"]
    workers = cluster["spec"]["workerGroupSpecs"]
    assert head["rayStartParams"]["num-cpus"] == "0"
    compose_image = _yaml("docker-compose.yml")["services"]["app"]["image"]
    containers = [*head["template"]["spec"]["containers"],
                  *(c for group in workers for c in group["template"]["spec"]["containers"])]
    for container in containers:
        assert container["image"] == compose_image
        assert _env(container)["RAY_AUTH_MODE"] == "token" and "RAY_AUTH_TOKEN" in _env(container)
    assert any(p["containerPort"] == 6379 for p in head["template"]["spec"]["containers"][0]["ports"])
    text = (REPO / "deploy" / "kuberay-raycluster.yaml").read_text()
    assert f"CNN_PLAYGROUND_RAY_ADDRESS={cluster['metadata']['name']}-head-svc:6379" in text


def test_ray_is_optional_and_pinned_once():
    assert "ray" not in (REPO / "requirements.txt").read_text()
    assert "requirements-ray.txt" in (REPO / "scripts" / "test.sh").read_text()
    from importlib.metadata import PackageNotFoundError, version

    try:  # not `import ray`: Ray reads its token settings once, when imported (see conftest's ray_cluster)
        installed = version("ray")
    except PackageNotFoundError:
        return
    assert installed == _ray_pin()  # app and cluster must run the same Ray


# ------------------------------------------------------------------ the files, checked by their users' tools

COMPOSE_ENV = {"RAY_AUTH_TOKEN": "t", "POSTGRES_PASSWORD": "p", "RAY_NODE_IP": "192.0.2.2",
               "RAY_HEAD_ADDRESS": "192.0.2.1:6379"}


def _compose_config(path: str, *args: str) -> dict:
    import os
    import shutil
    import subprocess

    import pytest
    import yaml

    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.fail("docker-compose is missing: apt-get install docker-compose (scripts/test.sh installs it); it "
                    "validates the Compose files without a Docker engine", pytrace=False)
    out = subprocess.run([tool, "-f", path, *args, "config"], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, **COMPOSE_ENV}, timeout=60)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_compose_files_are_valid_for_docker_compose():
    main = _compose_config("docker-compose.yml")
    assert main["services"]["lb"]["image"] == "traefik:v3.6"  # 3.6.1+ talks to Docker Engine 29 and later
    nodes = _compose_config("deploy/docker-compose.ray-node.yml", "--profile", "head")
    assert set(nodes["services"]) == {"ray-head", "ray-node"}


def test_a_further_machine_runs_only_a_ray_node_that_the_head_can_reach():
    services = _yaml("deploy/docker-compose.ray-node.yml")["services"]
    node = services["ray-node"]
    assert "depends_on" not in node and "POSTGRES_PASSWORD" not in str(node)  # no head, no database
    assert node["network_mode"] == "host" and any("--node-ip-address=" in part for part in node["command"])
    assert services["ray-head"]["profiles"] == ["head"]  # `up ray-node` never starts a head


def test_kubernetes_files_are_valid_and_workers_share_one_data_volume():
    import kubernetes_validate
    import yaml

    docs = [d for d in yaml.safe_load_all((REPO / "deploy" / "kubernetes-app.yaml").read_text()) if d]
    version = kubernetes_validate.latest_version()
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "Ingress", "Job", "PersistentVolumeClaim"} <= kinds
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    claim = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")["metadata"]["name"]
    # The RayCluster is a KubeRay resource (no schema here): its pod templates are checked as Pods.
    cluster = _yaml("deploy/kuberay-raycluster.yaml")["spec"]
    templates = [cluster["headGroupSpec"]["template"], *(g["template"] for g in cluster["workerGroupSpecs"])]
    for template in templates:
        kubernetes_validate.validate({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                                      "spec": template["spec"]}, version, strict=True)
    for group in cluster["workerGroupSpecs"]:
        volumes = group["template"]["spec"]["volumes"]
        assert [v["persistentVolumeClaim"]["claimName"] for v in volumes if v["name"] == "data"] == [claim]
