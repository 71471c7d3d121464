"""Plotly figures: the network diagram, training curves, probabilities and maps.

Pure functions from core objects (and already-translated labels) to figures,
so pages only place them. Plotly reads a few HTML tags and entities in every
label, so names that come from users or files (class names) go through
:func:`text_label` first and are shown literally.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import torch

from cnn_core.nn.architecture import Layer
from ui.base.i18n import lang, num, pct, separators, t


def text_label(value) -> str:
    """``value`` as a Plotly label that shows exactly these characters (no tags, no links).

    Plotly reads tags (<b>, <a href>, <br>) and decodes &lt; &gt; &amp; in labels, but not &quot; or &#x27;:
    quotes stay as they are, or a class name with quotes would show "&quot;" literally.
    """
    return html.escape(" ".join(str(value).split()), quote=False)


# A 10 px bold label character is about 6.5 px wide; the diagram is drawn to fit its width, so in diagram units a
# character's width depends on the whole diagram's: the labels are laid out for a column this wide (a phone's,
# 390 px less the page's margins) and are then wide enough apart on any wider screen.
LABEL_CHAR_PX = 6.5
LABEL_DESIGN_WIDTH_PX = 340
LABEL_ROW_PX = 36  # the second row of labels sits this far below the first (a label is 2 lines of 10 px)
COLORS = {"input": "#9aa5b1", "conv": "#4c78a8", "pool": "#f58518", "flatten": "#72b7b2",
          "dense": "#54a24b", "output": "#e45756"}


def percent_axis(top: float = 1.02, step: float = 0.2) -> dict:
    """A 0–1 axis labelled "0 %, 20 %, … 100 %" (es) or "0%, …" (en): the app's own :func:`pct` writes each tick.

    Plotly's ``tickformat=".0%"`` glues the sign to the number ("50%"), which is
    wrong in Spanish; fixed ticks with our texts follow the language exactly.
    """
    values = [round(i * step, 6) for i in range(round(1 / step) + 1)]
    return dict(range=[0, top], tickmode="array", tickvals=values, ticktext=[pct(v, 0) for v in values])


def percent_hover(values, prefix: str = "") -> dict:
    """A trace's hover showing each fraction as the app writes percentages ("99,50 %"), after ``prefix``."""
    shown = [pct(v) if v is not None and math.isfinite(v) else "" for v in values]
    return dict(customdata=shown, hovertemplate=f"{prefix}%{{customdata}}<extra>%{{fullData.name}}</extra>")


# Plotly's own English (its mode bar's tooltips, the note after a zoom) → our text keys; Plotly looks each
# text up in the chart's config (``locales``), so no script touches the page.
PLOTLY_TEXTS = {
    "Download plot as a png": "plotly.download", "Download plot as a PNG": "plotly.download",  # Plotly 2, 3
    "Download plot": "plotly.download", "Zoom": "plotly.zoom",
    "Pan": "plotly.pan", "Box Select": "plotly.box_select", "Lasso Select": "plotly.lasso_select",
    "Zoom in": "plotly.zoom_in", "Zoom out": "plotly.zoom_out", "Autoscale": "plotly.autoscale",
    "Reset axes": "plotly.reset_axes", "Reset view": "plotly.reset_axes",
    "Toggle Spike Lines": "plotly.spikes", "Show closest data on hover": "plotly.hover_closest",
    "Compare data on hover": "plotly.hover_compare", "Double-click to zoom back out": "plotly.double_click",
    "Taking snapshot - this may take a few seconds": "plotly.snapshot", "Snapshot succeeded": "plotly.snapshot_done",
}


def chart_config(**options) -> dict:
    """``st.plotly_chart``'s config: Plotly's own texts in the session's language, no Plotly logo, and ``options``."""
    code = lang()
    dictionary = {english: t(key) for english, key in PLOTLY_TEXTS.items()}
    return {"locale": code, "locales": {code: {"dictionary": dictionary}}, "displaylogo": False, **options}


TOOLBAR_PX = 34  # Plotly's toolbar: a row of buttons at the figure's top right, shown on hover or on a tap
TITLE_PX = 24  # a title's line
TITLE_CHARS = 38  # a title's line on a phone (390 px): Plotly never wraps one, it runs past the figure's edge


def title_lines(text: str, width: int = TITLE_CHARS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def powers_of_ten(values) -> list[int]:
    """Tick values for a log axis over ``values``: every power of ten from below the least to above the most."""
    low, high = min(values), max(values)
    return [10 ** k for k in range(math.floor(math.log10(max(low, 1))), math.ceil(math.log10(max(high, 1))) + 1)]


NAME_STEP = 0.1  # between the names beside an accuracy-against-parameters chart (of its 0–1 accuracy axis)
NAME_ROOM = 0.7  # decades of the parameter axis kept free right of the points for the names


def named_points(points: list[tuple[float, float]], names: list[str], most: int,
                 ranked: bool = False) -> tuple[list[dict], dict]:
    """Names for the ``most`` most accurate of ``points`` (parameters, accuracy) on a chart with a log parameter
    axis and a 0–1 accuracy axis, and that parameter axis (log, ticks at powers of ten, room for the names).
    ``ranked``: the points come best first already (a room's board, whose rule is not accuracy alone): the first
    ``most`` are named, in that order.

    The names stand in a column right of the points, the most accurate at the top, each with a line to its point:
    in a class most students train the same network to about the same accuracy, and names written at their
    points piled up at one spot (the best one's drawn over by the second's, or cut off above the plot). ``names``
    are shown as given (escape them first: :func:`text_label`)."""
    if not points:
        return [], {"type": "log"}
    ticks = powers_of_ten([x for x, _ in points])
    # A log axis takes positions as powers of ten: its range and the names' places are in decades.
    decades = [math.log10(max(x or 1, 1)) for x, _ in points]
    low, high = min(decades), max(decades)
    column = high + 0.15
    best = list(range(len(points)))[:most] if ranked else sorted(range(len(points)), key=lambda i: -points[i][1])[:most]
    step = min(NAME_STEP, 0.9 / max(len(best), 1))
    labels = [{"x": decades[i], "y": points[i][1], "text": names[i], "showarrow": True, "arrowhead": 0,
               "arrowwidth": 1, "standoff": 6, "xanchor": "left", "axref": "x", "ax": column, "ayref": "y",
               "ay": 0.98 - step * k, "font": {"size": 13}} for k, i in enumerate(best)]
    axis = {"type": "log", "tickvals": ticks, "ticktext": [num(v) for v in ticks],  # 1.000, 10.000: not 2, 5
            "range": [min(low - 0.1, math.log10(ticks[0])), high + NAME_ROOM]}
    return labels, axis


def figure(data, layout: dict) -> go.Figure:
    """The figure of ``data`` (traces) and ``layout`` (a dict), validated once, in the session's language.

    Every chart shown with Plotly's toolbar goes through here: axes, hover labels and value texts written with
    the session's decimal and grouping marks (``separators``), and titles below the toolbar's row
    (:func:`toolbar_room`). Charts drawn without a toolbar (the Inside page's steps, the gradient curves) set
    ``separators`` themselves.
    Plotly validates a figure at every change, and a change to a figure that holds traces costs several
    milliseconds (``update_layout``, ``add_trace``, each ``add_vline`` more than the last): built from
    plain dicts in one go, the live plot the Train page builds every 2 s (CHART_REFRESH_S) for every visitor
    watching a training costs about 10 to 16 ms instead of about 86 (README, "Benchmarks":
    ``benchmarks/bench_figures.py``).
    """
    return go.Figure(data=data, layout=toolbar_room({**layout, "separators": separators()}))


def toolbar_room(layout: dict) -> dict:
    """``layout`` with room above the plot for the toolbar and, under it, the figure's title or its top row of
    subplot titles (on a phone the toolbar spans most of the width and covered them); the figure grows by what
    its top margin grew, so the plot keeps its size."""
    top_titles = [a for a in layout.get("annotations") or () if a.get("yref") == "paper"
                  and a.get("yanchor") == "bottom" and a.get("y") is not None and a["y"] >= 0.999
                  and not a.get("showarrow")]
    title = layout.get("title") or {}
    title = {"text": title} if isinstance(title, str) else dict(title)
    has_title = bool(title.get("text"))
    if not has_title and not top_titles:
        return layout
    layout = dict(layout)
    lines = 1
    if has_title and "<" not in title["text"]:  # a long title in lines that fit a phone's width
        wrapped = title_lines(title["text"])
        title["text"] = "<br>".join(wrapped)
        lines = len(wrapped)
    margin = dict(layout.get("margin") or {})
    top = margin["t"] if margin.get("t") is not None else 100  # Plotly's default top margin
    wanted = TOOLBAR_PX + TITLE_PX * (lines * has_title + bool(top_titles)) + (lines - 1) * TITLE_PX // 2
    if has_title:  # its top edge right under the toolbar, above any subplot titles
        # Plotly places a title of several lines half a line per extra line higher than its anchor: pushed down by that
        title.update(yref="container", y=1, yanchor="top",
                     pad={**(title.get("pad") or {}), "t": TOOLBAR_PX + (lines - 1) * TITLE_PX // 2})
        layout["title"] = title
    if top < wanted:
        layout["margin"] = {**margin, "t": wanted}
        if layout.get("height") is not None:
            layout["height"] += wanted - top
    return layout


def _box_extent(layer: Layer, max_side: int) -> float:
    """How far (diagram units) the next box starts after this layer's: its drawn width and a gap."""
    if len(layer.output_shape) == 3:
        h, w, c = layer.output_shape
        width = 0.4 + 3.6 * w / max_side
        return 0.3 + 0.6 * math.log2(c + 1) + width * 0.35 + 0.6  # depth, perspective offset, gap
    return 0.9


def _label_positions(extents: list[float], labels: list[tuple[str, str]]) -> list[float]:
    """Each layer's x: after the box before it, and with labels alternating between two rows, after the end of
    the label before it in its row. The labels' widths in diagram units follow from the diagram's own width
    (it is drawn to fit the page), so the layout is worked out again until it no longer changes much."""
    units_per_char = 0.16
    for _ in range(4):
        xs, x, row_end = [], 0.0, [-math.inf, -math.inf]
        for i, (extent, (name, size)) in enumerate(zip(extents, labels)):
            x = max(x, row_end[i % 2] + 2 * units_per_char)  # a gap of two characters
            xs.append(x)
            row_end[i % 2] = x + units_per_char * max(len(name), len(size))
            x += extent
        total = max(x, *row_end)
        wanted = LABEL_CHAR_PX * total / LABEL_DESIGN_WIDTH_PX
        if abs(wanted - units_per_char) < 0.01:
            break
        units_per_char = wanted
    return xs


def network_diagram(layers: list[Layer], hover: dict[str, str], title: str,
                    names: dict[str, str] | None = None, sizes: dict[str, str] | None = None,
                    failed: str | None = None) -> go.Figure:
    """Each map as a box whose height follows H and whose depth follows C (log scale).

    ``hover``, ``names`` and ``sizes`` (the two lines under each box) are already
    translated and formatted, keyed by layer name. Labels alternate between two
    rows and narrow layers get room for theirs, so neighbours never overlap.
    ``failed`` (translated) adds a red box after the last layer: the block that breaks.
    """
    names = names or {layer.name: layer.name for layer in layers}
    sizes = sizes or {}
    data, annotations = [], []
    max_side = max(max(layer.output_shape[:2]) for layer in layers if len(layer.output_shape) == 3)
    labels = [(names[layer.name], sizes.get(layer.name, "×".join(map(str, layer.output_shape)))) for layer in layers]
    extents = [_box_extent(layer, max_side) for layer in layers]
    if failed is not None:  # the failing block's box and label come after the last layer, in the same rows
        labels, extents = labels + [(failed, "")], extents + [1.2]
    xs = _label_positions(extents, labels)
    for layer, x in zip(layers, xs):
        color = COLORS[layer.kind]
        text = hover[layer.name]
        if len(layer.output_shape) == 3:
            h, w, c = layer.output_shape
            height = 0.4 + 3.6 * h / max_side
            width = 0.4 + 3.6 * w / max_side
            depth = 0.3 + 0.6 * math.log2(c + 1)
            dx, dy = width * 0.35, width * 0.35  # perspective offset
            front = ([x, x + depth, x + depth, x, x], [0, 0, height, height, 0])
            top = ([x, x + depth, x + depth + dx, x + dx, x],
                   [height, height, height + dy, height + dy, height])
            side = ([x + depth, x + depth + dx, x + depth + dx, x + depth, x + depth],
                    [0, dy, height + dy, height, 0])
            data += [go.Scatter(x=face_x, y=face_y, fill="toself", mode="lines", line=dict(color=color),
                                fillcolor=color, opacity=opacity, hoverinfo="text", hovertext=text, showlegend=False,
                                name=layer.name)
                     for (face_x, face_y), opacity in ((front, 0.9), (top, 0.6), (side, 0.45))]
            label = sizes.get(layer.name, f"{h}×{w}×{c}")
        else:
            n = layer.output_shape[0]
            height = 0.5 + 3.5 * min(1.0, math.log10(n + 1) / 4)
            data.append(go.Scatter(x=[x, x + 0.3, x + 0.3, x, x], y=[0, 0, height, height, 0],
                                   fill="toself", mode="lines", line=dict(color=color), fillcolor=color,
                                   hoverinfo="text", hovertext=text, showlegend=False, name=layer.name))
            label = sizes.get(layer.name, str(n))
        row = len(annotations) % 2  # two rows of labels (see _label_positions)
        annotations.append(dict(x=x, y=-0.35, yshift=-LABEL_ROW_PX * row, text=f"<b>{names[layer.name]}</b><br>{label}",
                                showarrow=False, xanchor="left", yanchor="top", font=dict(size=10)))
    if failed is not None:
        x = xs[-1]
        data.append(go.Scatter(x=[x, x + 1.2, x + 1.2, x, x], y=[0, 0, 2, 2, 0], fill="toself", mode="lines",
                               line=dict(color="#d62728", dash="dash", width=2), fillcolor="rgba(214,39,40,0.12)",
                               hoverinfo="text", hovertext=failed, showlegend=False))
        annotations.append(dict(x=x + 0.6, y=1.0, text="✗", showarrow=False, font=dict(size=22, color="#d62728")))
        row = len(layers) % 2  # the next row in the alternation (_label_positions kept it clear)
        annotations.append(dict(x=x, y=-0.35, yshift=-LABEL_ROW_PX * row, text=f"<b>{failed}</b>", showarrow=False,
                                xanchor="left", yanchor="top", font=dict(size=10, color="#d62728")))
    return figure(data, dict(title=title, height=370, margin=dict(l=10, r=10, t=40, b=95), annotations=annotations,
                             xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"),
                             plot_bgcolor="rgba(0,0,0,0)"))


def panels(rows: int, cols: int, titles=(), vertical_spacing: float | None = None,
           horizontal_spacing: float | None = None) -> dict:
    """The layout ``plotly.subplots.make_subplots(rows, cols, subplot_titles=titles, …)`` gives, as a dict.

    For :func:`figure`, which validates a figure once: make_subplots, and a ``row=…, col=…`` call per trace or
    line after it, were most of the live plot's cost. Panel ``i`` (row by row from the top left, from 0) uses
    the axes :func:`axis_names` names. Spacings are fractions of the figure, by default make_subplots's
    (0.5 / rows with titles, else 0.3 / rows; 0.2 / cols), and so are the domains (the same sums, so the
    same numbers to the last digit) and the titles (16 px, centred above each panel; an empty one is left out).
    """
    vertical_spacing = (0.5 if titles else 0.3) / rows if vertical_spacing is None else vertical_spacing
    horizontal_spacing = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    for spacing, count in ((vertical_spacing, rows), (horizontal_spacing, cols)):
        if not 0 <= spacing <= (1 / (count - 1) if count > 1 else 1):
            raise ValueError(f"a spacing of {spacing} leaves no room for {count} panels")
    widths = [(1.0 - horizontal_spacing * (cols - 1)) / cols] * cols
    heights = [(1.0 - vertical_spacing * (rows - 1)) / rows] * rows
    layout: dict = {"annotations": []}
    for i in range(rows * cols):
        row, col = divmod(i, cols)
        x0 = sum(widths[:col]) + col * horizontal_spacing
        y0 = sum(heights[:rows - 1 - row]) + (rows - 1 - row) * vertical_spacing  # rows counted from the bottom
        x_domain = [max(0.0, x0), min(1.0, x0 + widths[col])]
        y_domain = [max(0.0, y0), min(1.0, y0 + heights[row])]
        (x_key, x), (y_key, y) = axis_names(i)
        layout[x_key] = {"anchor": y, "domain": x_domain}
        layout[y_key] = {"anchor": x, "domain": y_domain}
        if i < len(titles) and titles[i]:
            layout["annotations"].append({
                "font": {"size": 16}, "showarrow": False, "text": titles[i], "x": sum(x_domain) / 2.0,
                "xanchor": "center", "xref": "paper", "y": y_domain[1], "yanchor": "bottom", "yref": "paper"})
    return layout


def axis_names(i: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """Panel ``i``'s x and y axes of :func:`panels`: (layout key, trace reference) each, ('xaxis', 'x') and
    ('yaxis', 'y') for the first, ('xaxis2', 'x2') and ('yaxis2', 'y2') for the second, …"""
    number = str(i + 1) if i else ""
    return (f"xaxis{number}", f"x{number}"), (f"yaxis{number}", f"y{number}")


def panel_axes(i: int) -> tuple[str, str]:
    """The x and y axes a trace or shape in panel ``i`` of :func:`panels` refers to ('x', 'y'; 'x2', 'y2'; …)."""
    (_, x), (_, y) = axis_names(i)
    return x, y


def vline(x: float, panel: int, **line) -> dict:
    """A vertical line at ``x`` across panel ``panel``'s whole height (Plotly's add_vline, as one shape)."""
    xref, yref = panel_axes(panel)
    return {"type": "line", "x0": x, "x1": x, "xref": xref, "y0": 0, "y1": 1, "yref": f"{yref} domain",
            "line": line}


def training_curves(steps, evals, labels: dict[str, str], nan_step: int | None = None) -> go.Figure:
    """Loss (top) and accuracy (below) against step: training smoothed, validation as points.

    One above the other: side by side, a phone's width left each panel too narrow and their axes collided."""
    layout = panels(2, 1, (labels["loss"], labels["accuracy"]), vertical_spacing=0.16)
    top, bottom = {"xaxis": "x", "yaxis": "y"}, {"xaxis": "x2", "yaxis": "y2"}
    data, shapes = [], []
    if steps:
        xs = [s.step for s in steps]
        data.append(go.Scatter(x=xs, y=_smooth([s.loss for s in steps]), name=labels["train"],
                               line=dict(color="#4c78a8"), **top))
        smooth = _smooth([s.accuracy for s in steps])
        data.append(go.Scatter(x=xs, y=smooth, name=labels["train"], line=dict(color="#4c78a8"), showlegend=False,
                               **percent_hover(smooth, f"{labels['step']} %{{x}}<br>"), **bottom))
    if evals:
        xs = [e.step for e in evals]
        data.append(go.Scatter(x=xs, y=[e.loss for e in evals], name=labels["validation"],
                               mode="lines+markers", line=dict(color="#e45756"), **top))
        accuracy = [e.accuracy for e in evals]
        data.append(go.Scatter(x=xs, y=accuracy, name=labels["validation"], mode="lines+markers",
                               line=dict(color="#e45756"), showlegend=False,
                               **percent_hover(accuracy, f"{labels['step']} %{{x}}<br>"), **bottom))
    x_axis = {"title": {"text": labels["step"]}, **(step_axis(steps[0].step, steps[-1].step) if steps else {})}
    y_axes = [{"automargin": True}, {**percent_axis(), "automargin": True}]  # accuracy: the whole scale
    if not steps and not evals:  # before a first run: both panels' axes (Plotly leaves a panel with no trace blank)
        data += [go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip", **axes) for axes in (top, bottom)]
        y_axes[0]["range"] = [0, 3]  # a loss scale, not Plotly's empty default of −1 to 4
        x_axis["rangemode"] = "nonnegative"  # no negative steps
    if nan_step is not None:
        shapes += [vline(nan_step, panel, color="red", dash="dash") for panel in (0, 1)]
        layout["annotations"].append(dict(x=nan_step, y=1, yref="paper", text="NaN", showarrow=False,
                                          font=dict(color="red"), xref="x"))
    for step, epoch in epoch_marks(steps):
        shapes += [vline(step, panel, color="#9aa5b1", dash="dot", width=1) for panel in (0, 1)]
        # Written right of its line, or left of it near the plot's right edge, where it was cut to "ép".
        near_end = step > steps[0].step + EPOCH_LABEL_LEFT_FROM * (steps[-1].step - steps[0].step)
        layout["annotations"].append(dict(x=step, y=1.0, yref="y domain", xref="x",
                                          text=f"{labels.get('epoch', '')} {epoch}", showarrow=False,
                                          xanchor="right" if near_end else "left", yanchor="top",
                                          font=dict(size=10, color="#6b7785")))
    for name, axis in (("xaxis", x_axis), ("xaxis2", x_axis), ("yaxis", y_axes[0]), ("yaxis2", y_axes[1])):
        layout[name].update(axis)
    # The legend under the panels, in one row: at its default place on the right it took half a phone's width.
    layout.update(shapes=shapes, height=600, margin=dict(l=10, r=10, t=40, b=10), uirevision="curves",
                  legend=dict(orientation="h", x=0, xanchor="left", y=-0.12, yanchor="top"))
    return figure(data, layout)


MAX_EPOCH_MARKS = 10  # a small dataset passes hundreds of times in a minute: a line for each hid the curves
EPOCH_LABEL_LEFT_FROM = 0.85  # an epoch mark past this share of the steps has its label on its left


def epoch_marks(steps) -> list[tuple[int, int]]:
    """(step, epoch) where full passes over the training set end, from the steps' epoch counter: every pass, or
    every 2nd, 5th, 10th, 20th… so that at most MAX_EPOCH_MARKS are drawn."""
    if not steps or steps[-1].epoch <= 0:
        return []
    per_epoch = steps[-1].step / steps[-1].epoch
    epochs = int(steps[-1].epoch + 1e-9)
    every = next(k * 10**p for p in range(12) for k in (1, 2, 5) if epochs / (k * 10**p) <= MAX_EPOCH_MARKS)
    return [(round(e * per_epoch), e) for e in range(every, epochs + 1, every)
            if round(e * per_epoch) <= steps[-1].step]


def _smooth(values: list[float], alpha: float = 0.1) -> list[float]:
    out, avg = [], None
    for v in values:
        if math.isnan(v):  # NaN ends the curve where it happened
            out.append(None)
            continue
        avg = v if avg is None else (1 - alpha) * avg + alpha * v
        out.append(avg)
    return out


def probabilities(probs: list[float], classes: list[str], title: str) -> go.Figure:
    best = probs.index(max(probs))
    colors = ["#e45756" if i == best else "#4c78a8" for i in range(len(probs))]
    bars = go.Bar(x=[text_label(c) for c in classes], y=probs, marker_color=colors,
                  text=[pct(p, 0) for p in probs], texttemplate="%{text}", textposition="outside",
                  customdata=[pct(p) for p in probs], hovertemplate="%{x}: %{customdata}<extra></extra>")
    return figure([bars], dict(title=title, height=280, yaxis=percent_axis(top=1.15),
                               margin=dict(l=10, r=10, t=40, b=10), xaxis=dict(type="category")))


def heatmap(values: torch.Tensor, title: str = "", colorscale: str = "gray", height: int = 260,
            text: bool = False, zmid: float | None = None) -> go.Figure:
    z = values.detach().float().tolist()
    cells = go.Heatmap(z=z, colorscale=colorscale, showscale=False, zmid=zmid,
                       texttemplate="%{z:.2f}" if text else None)
    return figure([cells], dict(title=text_label(title), height=height,
                                margin=dict(l=5, r=5, t=30 if title else 5, b=5),
                                yaxis=dict(autorange="reversed", scaleanchor="x", visible=False),
                                xaxis=dict(visible=False)))


def confusion(matrix: torch.Tensor, classes: list[str], labels: dict[str, str]) -> go.Figure:
    names = [text_label(c) for c in classes]
    cells = go.Heatmap(z=matrix.tolist(), x=names, y=names, colorscale="Blues", texttemplate="%{z:,}")
    return figure([cells], dict(title=labels["title"], height=420,
                                xaxis=dict(title=labels["predicted"], type="category"),
                                yaxis=dict(title=labels["true"], autorange="reversed", type="category"),
                                margin=dict(l=10, r=10, t=40, b=10)))


def image_grid(images: torch.Tensor, captions: list[str], cols: int = 8) -> go.Figure:
    """uint8 (N, C, H, W) images in a grid with a caption above each, square pixels (a 28×28 stays square)."""
    n = len(images)
    rows = max(1, math.ceil(n / cols))
    layout = panels(rows, cols, [text_label(c) for c in captions], vertical_spacing=0.08)
    data = []
    for i in range(n):
        img = images[i]
        x, y = panel_axes(i)
        if img.shape[0] == 1:
            data.append(go.Heatmap(z=img[0].tolist(), colorscale="gray", showscale=False, xaxis=x, yaxis=y))
        else:
            data.append(go.Image(z=img.permute(1, 2, 0).tolist(), xaxis=x, yaxis=y))
    for i in range(rows * cols):  # each image's y axis follows its own x axis: no stretching
        (x_key, x), (y_key, _) = axis_names(i)
        layout[x_key].update(visible=False, constrain="domain")
        layout[y_key].update(visible=False, autorange="reversed", constrain="domain", scaleanchor=x)
    for caption in layout["annotations"]:
        caption["font"] = {"size": 10}
    return figure(data, dict(layout, height=150 * rows + 40, margin=dict(l=5, r=5, t=30, b=5)))


def loss_curves(train: list[float], val: list[float], labels: dict[str, str]) -> go.Figure:
    """Training and validation loss per epoch (1, 2, ...): the overfitting exercise's two curves."""
    epochs = list(range(1, len(train) + 1))
    data = [go.Scatter(x=epochs, y=train, name=labels["train_epoch"], mode="lines+markers", line=dict(color="#4c78a8")),
            go.Scatter(x=epochs, y=val, name=labels["validation"], mode="lines+markers", line=dict(color="#e45756"))]
    return figure(data, dict(height=280, margin=dict(l=10, r=10, t=30, b=10), title=labels["loss"],
                             xaxis=dict(title=labels["epoch"], dtick=1), yaxis=dict(tickformat=".2f")))


def step_axis(first: int, last: int) -> dict:
    """An x axis of whole steps (1, 2, 3, never 1,5) from ``first`` to ``last``, the same on every live plot."""
    axis = {"range": [first - 0.2, last + 0.2] if last > first else [first - 1, first + 1], "tickformat": "d"}
    if last - first <= 10:
        axis.update(tick0=first, dtick=1)
    return axis
