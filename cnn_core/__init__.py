"""CNN Playground's engine: architectures, their arithmetic, models, data, training and inspection.

The Streamlit app is a thin shell over this package; nothing here imports
Streamlit, so the same code serves the command line (``python -m cnn_core``),
the tests and the benchmarks.
"""

from cnn_core.base.process import calm_idle_threads

calm_idle_threads()  # before anything loads torch: it only counts then (cnn_core/base/process.py)

from cnn_core.base.errors import ArchitectureError, DataError, ModelFileError, PlaygroundError  # noqa: E402
from cnn_core.nn.architecture import (  # noqa: E402
    PRESETS,
    Architecture,
    Layer,
    fully_connected_comparison,
    layer_table,
    totals,
)

__all__ = [
    "Architecture", "ArchitectureError", "DataError", "Layer", "ModelFileError", "PRESETS",
    "PlaygroundError", "fully_connected_comparison", "layer_table", "totals",
]
