"""Figures and the browser-side player: Plotly figures, step-by-step grids, frame images. They draw what
they are given; they read no session state and import only :mod:`ui.base`."""
