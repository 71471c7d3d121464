"""Server time of the app's interactive paths, as JSON: a slider change and a drawn stroke.

Runs the real page scripts with Streamlit's AppTest (the same script run a
browser triggers, minus the network) and compares each with a baseline in the
same run: an empty page's rerun, the framework's own floor.

    python scripts/bench_app.py [--repeats 30]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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

    from cnn_core.train_cli import draw_latency_ms

    out = {
        "empty_page_rerun": summary(baseline),
        "architecture_blocks_slider": summary(slider),
        "architecture_filters_slider": summary(filters),
        "draw_stroke_to_prediction_ms": draw_latency_ms()["draw_ms"],
    }
    out["slider_over_baseline_ms"] = round(out["architecture_blocks_slider"]["median_ms"]
                                           - out["empty_page_rerun"]["median_ms"], 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
