"""CNN Playground's engine: architectures, their arithmetic, models, data, training and inspection.

The Streamlit app is a thin shell over this package; nothing here imports
Streamlit, so the same code serves the command line (``python -m cnn_core``),
the tests and the benchmarks.
"""

from cnn_core.base.errors import ArchitectureError, DataError, ModelFileError, PlaygroundError
from cnn_core.nn.architecture import PRESETS, Architecture, Layer, fully_connected_comparison, layer_table, totals

__all__ = [
    "Architecture", "ArchitectureError", "DataError", "Layer", "ModelFileError", "PRESETS",
    "PlaygroundError", "fully_connected_comparison", "layer_table", "totals",
]
