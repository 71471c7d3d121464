"""Teaching material: the exercises, generated per variation from the same arithmetic the app shows.
Builds on :mod:`cnn_core.nn`; independent of data, training and storage."""
