"""Datasets: the registry of built-in datasets (one place for their names, shapes and classes), loading
them (torchvision files, image-folder zips, decoded caches) and preprocessing a drawing the way MNIST was made.
Imports :mod:`cnn_core.nn` and :mod:`cnn_core.base`."""
