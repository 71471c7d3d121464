"""The few non-public Streamlit, streamlit-drawable-canvas and torch names the app relies on, pinned.

Each has no public replacement (its user's docstring says why). When an upgrade
renames or changes one, the test here fails and names the API, the installed
version and the app code to revisit, instead of the app quietly losing the
behaviour. The browser tests check the behaviour itself.
"""

from __future__ import annotations

import inspect
import sys

import pytest
import streamlit
import torch
from conftest import REPO, TORCH_COMPILER
from streamlit.testing.v1 import AppTest


def _changed(api: str, user: str) -> str:
    return (f"{api} changed in Streamlit {streamlit.__version__} (requirements.txt allows "
            f"{_requirement('streamlit')}): revisit {user}")


def _requirement(name: str) -> str:
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return next(line.split("#")[0].strip() for line in lines if line.lower().startswith(name + ">"))


def test_the_legacy_pages_flag_that_state_leaves_still_decides_how_a_run_starts():
    """ui/base/state.py `_leave_legacy_pages_mode`: a fresh server's first deep link runs through app.py.

    Streamlit runs a `pages/` directory's script directly (its old multipage mode) until some session has
    called st.navigation; there is no public switch. The behaviour (both fresh servers'
    first visitors come by a deep link): tests/browser/test_browser_runs.py
    ::test_two_servers_on_one_postgresql_see_the_same_workspace_and_a_closed_tab_frees_its_slot.
    """
    from streamlit.commands import navigation
    from streamlit.runtime import pages_manager
    from streamlit.runtime.scriptrunner import script_runner

    api, user = "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory", \
        "ui/base/state.py _leave_legacy_pages_mode"
    PagesManager = pages_manager.PagesManager
    assert "uses_pages_directory" in vars(PagesManager), _changed(api, user)
    saved = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = None
        PagesManager(str(REPO / "app.py"))  # a server's first session: the flag says "pages/ exists"
        assert PagesManager.uses_pages_directory is True, _changed(api + " (set from the pages/ folder)", user)
    finally:
        PagesManager.uses_pages_directory = saved
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation), \
        _changed(api + " (cleared by st.navigation)", user)
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner), \
        _changed(api + " (read by the script runner)", user)


def test_the_session_liveness_check_finds_streamlits_runtime_and_session():
    """ui/shell/resources.py `session_liveness`: a closed tab's training stops waiting in the queue.

    Streamlit has no public "is this browser session still connected"; the behaviour:
    tests/browser/test_browser_runs.py::test_two_servers_on_one_postgresql_see_the_same_workspace_and_a_closed_tab_frees_its_slot.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import ScriptRunContext, get_script_run_ctx

    user = "ui/shell/resources.py session_liveness"
    for name in ("exists", "instance", "is_active_session"):
        assert callable(getattr(Runtime, name, None)), _changed(f"streamlit.runtime.Runtime.{name}", user)
    assert list(inspect.signature(Runtime.is_active_session).parameters) == ["self", "session_id"], \
        _changed("streamlit.runtime.Runtime.is_active_session(session_id)", user)
    assert callable(get_script_run_ctx), _changed("streamlit.runtime.scriptrunner.get_script_run_ctx", user)
    assert "session_id" in {f for f in getattr(ScriptRunContext, "__dataclass_fields__", {})}, \
        _changed("streamlit.runtime.scriptrunner.ScriptRunContext.session_id", user)


def test_the_canvas_is_called_with_the_arguments_st_canvas_would_pass(monkeypatch):
    """ui/sections/canvas.py `_component` calls streamlit-drawable-canvas's component (`out`) directly.

    Its public `st_canvas` hands back the browser's PNG message only to decode it: `image_data` decodes
    at whatever size the PNG claims, `image_bytes` base64-decodes a message of any length and raises on
    one that is not a string. The app checks the raw message first (cnn_core.data.preprocess
    .rgba_from_data_url), so it calls the component as `st_canvas` does; a new version must not drift.
    """
    import importlib.metadata

    AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60).run()  # registers the component
    component = sys.modules["streamlit_drawable_canvas"]
    from ui.sections import canvas as canvas_ui

    installed = importlib.metadata.version("streamlit-drawable-canvas")
    pinned = _requirement("streamlit-drawable-canvas")
    message = (f"streamlit_drawable_canvas.out / st_canvas changed in streamlit-drawable-canvas {installed} "
               f"(requirements.txt allows {pinned}): revisit ui/sections/canvas.py _component")
    assert callable(getattr(component, "out", None)), message
    for dark_ink in (False, True):
        calls = []
        monkeypatch.setattr(component, "out", lambda **kwargs: calls.append(kwargs) or {})
        canvas_ui._component(dark_ink, "k")
        component.st_canvas(stroke_width=18, stroke_color="#000000" if dark_ink else "#FFFFFF",
                            background_color="#FFFFFF" if dark_ink else "#000000", height=canvas_ui.SIZE,
                            width=canvas_ui.SIZE, drawing_mode="freedraw", return_image_data=True, key="k")
        assert len(calls) == 2, message  # st_canvas still calls the module's `out`
        ours, theirs = ({k: v for k, v in call.items() if not callable(v)} for call in calls)
        assert ours == theirs and set(calls[0]) == set(calls[1]), message


@TORCH_COMPILER
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("kind", ["adam", "sgd"])
def test_the_trainers_optimizers_make_torch_optims_update_weight_for_weight(kind, layout):
    """cnn_core/train/optim.py: Adam through torch's fused kernel `torch._fused_adam_` and SGD with Nesterov
    momentum, without torch.optim (which imports the compiler). The same weights as torch.optim after every
    step, with the learning rate changed between steps as the schedule does and the dense layers given no
    gradient on some steps."""
    from cnn_core import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.train.optim import FusedAdam, NesterovSGD

    ours, theirs = {"adam": (lambda p: FusedAdam(p, lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2, fused=True)),
                    "sgd": (lambda p: NesterovSGD(p, lr=1e-2, momentum=0.9),
                            lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9, nesterov=True))}[kind]
    message = (f"torch.optim's {kind} update or torch._fused_adam_ changed in torch {torch.__version__} "
               f"(requirements.txt allows {_requirement('torch')}): revisit cnn_core/train/optim.py")

    def train(make):
        model = build_model(PRESETS["small"], seed=0).to(memory_format=layout)
        opt = make(model.parameters())
        gen = torch.Generator().manual_seed(1)
        weights = []
        for i in range(12):
            x = torch.rand(8, 1, 28, 28, generator=gen).to(memory_format=layout)
            y = torch.randint(0, 10, (8,), generator=gen)
            for group in opt.param_groups:
                group["lr"] = 1e-2 * (1 - i / 12)
            if i % 4 == 0:  # the dense layers get no gradient this step
                loss = model.blocks(x).square().mean()
            else:
                loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            weights.append([p.detach().clone() for p in model.parameters()])
        return weights

    try:
        mine = train(ours)
    except (TypeError, RuntimeError, AttributeError) as e:
        pytest.fail(f"{message}: {e}")
    reference = train(theirs)
    assert all(torch.equal(a, b) for step, ref in zip(mine, reference) for a, b in zip(step, ref)), message
    assert not torch.equal(mine[0][0], mine[-1][0])  # it trained
