"""Any model that loads works on every page, and no page shows its text as Markdown or HTML.

Models a user can make or upload that the pages once tripped on: two classes
that say "dataset: mnist", one filter in the first block (the Inside page
crashed), an odd class count, the smallest network, and class names that are
HTML/Markdown payloads. Each is uploaded through the Train page, then every
page is opened in the same workspace (the ``ws`` link) with AppTest.
"""

from __future__ import annotations

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from cnn_core import PRESETS
from cnn_core.nn import checkpoint
from cnn_core.nn.model import build_model

pytestmark = pytest.mark.realdata
TIMEOUT = 120
PAYLOADS = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "[x](javascript:alert(3))",
            "![t](http://127.0.0.1:1/t.png)", "# big", "$\\href{javascript:alert(4)}{x}$", ":red[x]",
            "&lt;b&gt;", "*a* _b_", "<iframe srcdoc='<script>parent.__pwned=1</script>'>"]
TUTORIAL = PRESETS["tutorial"]
MODELS = {
    "two_classes_said_mnist": (TUTORIAL.replace(num_classes=2), ["a", "b"], "mnist"),
    "one_filter_in_block_1": (TUTORIAL.replace(out_channels=(1, 2)), list("0123456789"), "mnist"),
    "one_filter_only": (TUTORIAL.replace(out_channels=(1,), kernel_size=1, pool="none", dense=()),
                        list("0123456789"), "mnist"),
    "three_classes": (TUTORIAL.replace(num_classes=3, out_channels=(3, 5)), ["x", "y", "z"], "fashion-mnist"),
    "html_class_names": (TUTORIAL, PAYLOADS, "mnist"),
    "unknown_dataset": (PRESETS["lenet"], list("0123456789"), "<b>mine</b>"),
}
PAGES = ["train", "draw", "inside", "exercises", "architecture", "runs"]


def open_page(name: str, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def upload(raw: bytes, filename: str) -> AppTest:
    at = open_page("train")
    at.file_uploader(key="w_model_upload").set_value((filename, raw, "application/zip")).run()
    at.button(key="load_model").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def markdown_texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error", "subheader",
                                 "header", "title") for e in getattr(at, kind)]


@pytest.mark.parametrize("name", list(MODELS))
def test_an_uploaded_model_works_on_every_page(name, real_data_dir):
    arch, classes, dataset = MODELS[name]
    raw = checkpoint.to_bytes(build_model(arch, seed=0), classes, dataset=dataset, test_accuracy=0.5)
    at = upload(raw, f"{name}<b>.cnn.zip")
    ws = at.session_state["ws"]
    for page_name in PAGES:
        at = open_page(page_name, ws=ws)
        assert not at.exception, (page_name, [e.value for e in at.exception])
        for text in markdown_texts(at):  # file text reaches Markdown only escaped
            for payload in PAYLOADS + ["<b>"]:
                assert payload not in text, (page_name, text)
