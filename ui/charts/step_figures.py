"""Plotly figures for the step-by-step views: a map with a sliding window, numbered grids, a map filling in.

Pure functions from tensors (and already-translated labels) to figures. Every
map is drawn with square pixels and fixed axis ranges, so a 28×28 map stays
square however much of it is filled in yet.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import torch

from cnn_core.base.numbers import power_of_ten
from ui.base.i18n import separators, short_number, shown_index, t
from ui.charts.figures import TITLE_CHARS, title_lines

WINDOW = "#e45756"  # the kernel / pooling window
CURRENT = "#ffd400"  # the output neuron being computed
PADDING = "rgba(76, 120, 168, 0.45)"  # the zero border of "same" padding
TITLE_SIZE = 12  # a map's title fits a third of a desktop page in Spanish ("Mapa tras el pooling 14×14 (rellenándose)")
# Signed values (weights, products, gradients): Plotly's red–white–blue scale turned round, so that positive is red
# (Plotly's own "RdBu" draws positive values blue). Figures and captions both ask `positive_colour` which it is.
DIVERGING = "RdBu_r"


def scale_colour(colorscale: str, at: float) -> tuple[int, int, int]:
    """The colour ``colorscale`` draws at ``at`` (0 = its low end, 1 = its high end), interpolated as Plotly does."""
    stops = go.Heatmap(colorscale=colorscale).colorscale
    at = min(max(at, 0.0), 1.0)
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if p0 <= at <= p1:
            f = (at - p0) / (p1 - p0) if p1 > p0 else 0.0
            a, b = _rgb(c0), _rgb(c1)
            return tuple(round(x + f * (y - x)) for x, y in zip(a, b))
    return _rgb(stops[-1][1])


def _rgb(color: str) -> tuple[int, int, int]:
    if color.startswith("#"):
        return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(round(float(v)) for v in color[color.index("(") + 1:-1].split(",")[:3])


def colour_name(rgb) -> str:
    """"red", "blue" or "white": which of a red–white–blue scale's three colours ``rgb`` is (a locale key's tail)."""
    r, g, b = (int(v) for v in rgb[:3])
    if max(r, g, b) - min(r, g, b) < 40:
        return "white"
    return "red" if r > b else "blue"


def positive_colour(colorscale: str = DIVERGING) -> str:
    """The name of the colour ``colorscale`` gives values above zero on a range centred on zero."""
    return colour_name(scale_colour(colorscale, 1.0))


def negative_colour(colorscale: str = DIVERGING) -> str:
    return colour_name(scale_colour(colorscale, 0.0))


def colour_words(colorscale: str = DIVERGING) -> dict[str, str]:
    """{positive, negative}: the colours of ``colorscale``'s signs in the reader's language, for a caption."""
    return {"positive": t(f"colour.{positive_colour(colorscale)}"), "negative": t(f"colour.{negative_colour(colorscale)}")}


def diverging_legend(colorscale: str = DIVERGING) -> str:
    """The caption under a signed figure: which colour is above zero, which below, and that zero is white."""
    return t("colour.legend", **colour_words(colorscale))


def shown_cells(h: int, w: int) -> list:
    """Each cell's (row, column) as a reader counts them, from 1 (shown_index): a heatmap's ``customdata``."""
    return [[[shown_index(r), shown_index(c)] for c in range(w)] for r in range(h)]


SHOWN_CELL = "(%{customdata[0]}, %{customdata[1]})"  # a hover's cell, counted from 1: needs shown_cells


def _square_axes(height: int, width: int, pad: float = 0) -> dict:
    """The layout's axes for a map: square pixels, row 0 at the top, the whole map (and ``pad`` cells around it)
    in view even where it is still empty. (Every figure here is one ``go.Figure(data, layout)``, for the reason
    :func:`ui.charts.figures.figure` gives.)"""
    return dict(xaxis=dict(range=[-pad - 0.5, width + pad - 0.5], visible=False, constrain="domain"),
                yaxis=dict(range=[height + pad - 0.5, -pad - 0.5], visible=False, scaleanchor="x", constrain="domain"))


def window_figure(values: torch.Tensor, top: int, left: int, size: int, pad: int, title: str,
                  hover: str, colorscale: str = "gray", height: int = 340,
                  grid: int | None = None, clickable: bool = True) -> go.Figure:
    """A (H, W) map with a size×size window whose top-left input pixel is (top, left).

    ``pad`` > 0 draws the zero border that "same" padding adds around the map.
    A transparent marker over every pixel makes a click report that pixel
    (Streamlit's point selection); ``hover`` is its template, with the pixel's row and column as a reader
    counts them (from 1) in %{customdata[0]} and %{customdata[1]}; a click still reports 0-based %{x}, %{y}.
    ``grid`` draws the lines between pooling windows. ``clickable=False`` leaves the markers out
    (while an animation plays: hundreds of SVG markers are most of a frame's drawing).
    """
    h, w = values.shape
    z = values.detach().float()
    if pad:
        z = torch.nn.functional.pad(z, (pad, pad, pad, pad))
    xs = list(range(-pad, w + pad))
    ys = list(range(-pad, h + pad))
    # numpy arrays, not lists: Plotly checks and encodes them whole, several times faster per frame
    data = [go.Heatmap(z=z.numpy(), x=xs, y=ys, colorscale=colorscale, showscale=False, hoverinfo="skip")]
    if clickable:
        cols, rows = torch.meshgrid(torch.arange(w), torch.arange(h), indexing="xy")
        shown = torch.stack([shown_index(rows.flatten()), shown_index(cols.flatten())], 1)
        data.append(go.Scatter(x=cols.flatten().numpy(), y=rows.flatten().numpy(), customdata=shown.numpy(),
                               mode="markers",
                               marker=dict(size=max(4, 300 // max(h, w)), color="rgba(0,0,0,0)", symbol="square"),
                               hovertemplate=hover + "<extra></extra>", showlegend=False))
    shapes = []
    if pad:  # the padding band: four strips around the image
        outer = (-pad - 0.5, w + pad - 0.5, -pad - 0.5, h + pad - 0.5)
        for x0, x1, y0, y1 in ((outer[0], outer[1], outer[2], -0.5), (outer[0], outer[1], h - 0.5, outer[3]),
                               (outer[0], -0.5, -0.5, h - 0.5), (w - 0.5, outer[1], -0.5, h - 0.5)):
            shapes.append(dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=PADDING, line_width=0,
                               layer="above"))
        shapes.append(dict(type="rect", x0=-0.5, x1=w - 0.5, y0=-0.5, y1=h - 0.5,
                           line=dict(color="#4c78a8", dash="dot", width=1)))
    if grid:
        line = dict(color="rgba(255,255,255,0.35)", width=1)
        shapes += [dict(type="line", x0=i * grid - 0.5, x1=i * grid - 0.5, y0=-0.5, y1=h - 0.5, line=line)
                   for i in range(1, w // grid)]
        shapes += [dict(type="line", y0=i * grid - 0.5, y1=i * grid - 0.5, x0=-0.5, x1=w - 0.5, line=line)
                   for i in range(1, h // grid)]
    shapes.append(dict(type="rect", x0=left - 0.5, x1=left + size - 0.5, y0=top - 0.5, y1=top + size - 0.5,
                       line=dict(color=WINDOW, width=3), layer="above"))
    return go.Figure(data=data, layout=dict(
        title=dict(text=title, font=dict(size=TITLE_SIZE)), height=height, margin=dict(l=5, r=5, t=30, b=5),
        dragmode=False, plot_bgcolor="rgba(0,0,0,0)", uirevision="window", separators=separators(), shapes=shapes,
        **_square_axes(h, w, pad)))


def number_grids(grids: list[tuple], height: int = 230,
                 mark: tuple[int, int] | None = None, scale_tiny: bool = False) -> go.Figure:
    """Small k×k grids side by side, each cell with its value written in: [(title, values, colorscale)], or
    [(title, values, colorscale, (low, high))] for a grid cut from a map coloured over that range (the patch
    under a kernel, a pooling window), so each cell has its colour in the map.

    ``mark`` outlines one cell (row, col) in every grid, e.g. the value max-pooling keeps. All grids
    share one pair of axes, one grid width apart (cheaper to build each animation frame than subplots).
    ``scale_tiny`` (gradients): a grid whose values are all tiny is written in units of one power of ten,
    named in its title and hover ("∂L/∂w (× 10⁻⁶)"), instead of 0,00 in every cell.
    """
    data, shapes, titles = [], [], []
    k_h, k_w = grids[0][1].shape
    step = k_w + 1
    for i, (title, values, colorscale, *zrange) in enumerate(grids):
        z = values.detach().float()
        diverging = colorscale == DIVERGING
        low, high = zrange[0] if zrange and not diverging else (None, None)
        top = float(z.abs().max()) or 1.0
        fmt, unit = ".2f", ""
        if scale_tiny and top < 0.05:  # gradients of a sure answer are tiny, not zero: one power of ten
            exponent = math.floor(math.log10(top))
            z, top = z / 10.0 ** exponent, top / 10.0 ** exponent
            unit = f" × {power_of_ten(exponent)}"
            title = f"{title} ({unit.strip()})"
        data.append(go.Heatmap(
            z=z.numpy(), x0=i * step, dx=1, y0=0, dy=1, colorscale=colorscale, showscale=False,
            zmid=0 if diverging else None, zmin=-top if diverging else low, zmax=top if diverging else high,
            texttemplate=f"%{{z:{fmt}}}" if k_w <= 5 else None, textfont=dict(size=12),
            hovertemplate=f"%{{z:{fmt}}}{unit}<extra></extra>"))
        # A title wider than its grid is centred on it except at the figure's edges, where it would be cut off
        # ("íxeles bajo el kernel"): the first starts at its grid's left edge, the last ends at its right edge.
        edge = "left" if i == 0 and len(grids) > 1 else "right" if i == len(grids) - 1 and len(grids) > 1 else None
        x_title = {"left": i * step - 0.5, "right": i * step + k_w - 0.5}.get(edge, i * step + (k_w - 1) / 2)
        titles.append(dict(x=x_title, xref="x", xanchor=edge or "center", y=1.0, yref="paper", text=title,
                           showarrow=False, yanchor="bottom", font=dict(size=11)))
        if mark is not None:
            shapes.append(dict(type="rect", x0=i * step + mark[1] - 0.5, x1=i * step + mark[1] + 0.5,
                               y0=mark[0] - 0.5, y1=mark[0] + 0.5, line=dict(color=CURRENT, width=3)))
    return go.Figure(data=data, layout=dict(
        height=height, margin=dict(l=4, r=4, t=30, b=5), dragmode=False,  # room for titles
        separators=separators(), shapes=shapes, annotations=titles, plot_bgcolor="rgba(0,0,0,0)",
        **_square_axes(k_h, len(grids) * step - 1)))


def filling_figure(values: torch.Tensor, row: int, col: int, title: str, colorscale: str = "viridis",
                   height: int = 340, zrange: tuple[float, float] | None = None) -> go.Figure:
    """An output map (H, W) with NaN where not computed yet, the current neuron outlined.

    ``zrange`` fixes the colours to the finished map's range, so a value keeps
    its colour while the map fills in.
    """
    h, w = values.shape
    z = [[None if math.isnan(v) else v for v in r] for r in values.detach().float().tolist()]
    cells = go.Heatmap(z=z, colorscale=colorscale, showscale=False,
                       zmin=zrange[0] if zrange else None, zmax=zrange[1] if zrange else None,
                       customdata=shown_cells(h, w), hovertemplate=SHOWN_CELL + " = %{z:.3f}<extra></extra>")
    shapes = [dict(type="rect", x0=-0.5, x1=w - 0.5, y0=-0.5, y1=h - 0.5, line=dict(color="#9aa5b1", width=1)),
              dict(type="rect", x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5,
                   line=dict(color=CURRENT, width=3))]
    return go.Figure(data=[cells], layout=dict(
        title=dict(text=title, font=dict(size=TITLE_SIZE)), height=height, margin=dict(l=5, r=5, t=30, b=5),
        dragmode=False, plot_bgcolor="rgba(0,0,0,0)", separators=separators(), shapes=shapes, **_square_axes(h, w)))


def bars(names: list[str], values: list[float], title: str, log: bool = False, height: int = 260,
         highlight: int | None = None) -> go.Figure:
    colors = ["#e45756" if i == highlight else "#4c78a8" for i in range(len(values))]
    shown = [short_number(v) for v in values]  # "9,82 · 10⁻⁶", not d3's "0,00000982"
    columns = go.Bar(x=names, y=values, marker_color=colors, text=shown, textposition="outside",
                     hovertemplate="%{x}: %{text}<extra></extra>")
    # A log axis labelled 10⁻⁶, 10⁻⁵, … (Plotly's default is SI: "10μ", which a beginner cannot read).
    yaxis = dict(type="log", exponentformat="power", dtick=1) if log else dict(type="linear")
    lines = title_lines(title, TITLE_CHARS + 6)  # Plotly never wraps a title; 13 px fits a few more on a phone
    return go.Figure(data=[columns], layout=dict(
        title=dict(text="<br>".join(lines), font=dict(size=13)), height=height + 18 * (len(lines) - 1),
        margin=dict(l=10, r=10, t=40 + 18 * (len(lines) - 1), b=10), xaxis=dict(type="category"), yaxis=yaxis,
        separators=separators()))


def overlay(image: torch.Tensor, heat: torch.Tensor, title: str, height: int = 320) -> go.Figure:
    """A grayscale image (H, W) with a heatmap (H, W) in [0, 1] laid over it, half transparent."""
    h, w = image.shape
    data = [go.Heatmap(z=image.float().tolist(), colorscale="gray", showscale=False, hoverinfo="skip"),
            go.Heatmap(z=heat.float().tolist(), colorscale="Jet", opacity=0.45, zmin=0, zmax=1, showscale=True,
                       colorbar=dict(thickness=10, len=0.8), customdata=shown_cells(h, w),
                       hovertemplate=SHOWN_CELL + " %{z:.2f}<extra></extra>")]
    return go.Figure(data=data, layout=dict(title=title, height=height, margin=dict(l=5, r=5, t=30, b=5),
                                            dragmode=False, separators=separators(), **_square_axes(h, w)))
