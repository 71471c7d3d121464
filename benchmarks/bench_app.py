"""Server time of the app's interactive paths, as JSON: a slider change and a drawn stroke.

Runs the real page scripts with Streamlit's AppTest (the same script run a
browser triggers, minus the network) and compares each with a baseline in the
same run: an empty page's rerun, the framework's own floor.

    python -m benchmarks.bench_app [--repeats 30]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from streamlit.testing.v1 import AppTest  # noqa: E402


def timed_reruns(at: AppTest, change, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        change(at, i)
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
        assert not at.exception, [e.value for e in at.exception]
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(ordered[int(len(ordered) * 0.9)], 1)}


def draw_page_reruns(repeats: int) -> list[float]:
    """The whole Draw page script after a stroke: the canvas component stands in with a drawn "7".

    AppTest cannot move a mouse, so the component's return value is supplied
    directly; everything after it (preprocessing, the forward pass, the
    probability chart, the 28×28 view and the feature-map tiles) runs for real.
    """
    import numpy as np

    from cnn_core.data.preprocess import png_data_url

    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=30)
    at.query_params["lang"] = "en"
    at.run()  # an empty canvas; this also registers the component, so its module can be imported
    canvas_module = sys.modules["streamlit_drawable_canvas"]
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[50:70, 60:220] = 255  # the top bar of a 7
    for i in range(150):
        rgba[70 + i, 200 - i // 2:220 - i // 2] = 255
    stroke = {"drawing": {"raw": {"objects": []}, "data": png_data_url(rgba)}, "backgroundFit": None}

    real = canvas_module.out
    canvas_module.out = lambda **kwargs: stroke  # the browser's message after a stroke, decoded for real
    try:
        at.run()
        assert any("with probability" in c.value for c in at.caption), "no prediction drawn"
        return timed_reruns(at, lambda at, i: None, repeats)
    finally:
        canvas_module.out = real


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    empty = AppTest.from_string("import streamlit as st\nst.slider('x', 0, 10, key='x')", default_timeout=30).run()
    baseline = timed_reruns(empty, lambda at, i: at.slider(key="x").set_value(i % 10), args.repeats)

    arch = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=30)
    arch.query_params["lang"] = "en"
    arch.run()
    # Alternate between 3 and 2 blocks, then between filter counts: every rerun recomputes the table.
    slider = timed_reruns(arch, lambda at, i: at.slider(key="w_blocks").set_value(3 - i % 2), args.repeats)
    filters = timed_reruns(arch, lambda at, i: at.select_slider(key="w_filters_0").set_value((16, 32)[i % 2]),
                           args.repeats)

    from cnn_core.cli.bench import draw_latency_ms

    out = {
        "empty_page_rerun": summary(baseline),
        "architecture_blocks_slider": summary(slider),
        "architecture_filters_slider": summary(filters),
        "draw_page_rerun_after_a_stroke": summary(draw_page_reruns(args.repeats)),
        "draw_core_stroke_to_prediction_ms": draw_latency_ms()["draw_ms"],
    }
    out["slider_over_baseline_ms"] = round(out["architecture_blocks_slider"]["median_ms"]
                                           - out["empty_page_rerun"]["median_ms"], 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
