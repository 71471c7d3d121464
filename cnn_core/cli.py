"""Command line: ``python -m cnn_core summary | train | bench``.

For people who live in terminals and for scripts. Every subcommand prints the
same numbers the app shows; ``--json`` makes them machine-readable. An invalid
request exits with status 2 and the same message the app gives.
"""

from __future__ import annotations

import argparse
import json
import sys

from .architecture import (
    PRESETS, Architecture, layer_table, parse_int_list, parse_shape, totals,
)
from .errors import PlaygroundError


def add_architecture_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=sorted(PRESETS), default="tutorial")
    p.add_argument("--input", help="H x W x C, e.g. 28x28x1")
    p.add_argument("--filters", help="filters per conv block, e.g. 32,64,128")
    p.add_argument("--kernel", type=int)
    p.add_argument("--padding", choices=["same", "valid"])
    p.add_argument("--pool", choices=["max", "avg", "none"])
    p.add_argument("--pool-size", type=int)
    p.add_argument("--dense", help="hidden dense units, e.g. 100 or 120,84; '' for none")
    p.add_argument("--classes", type=int)
    p.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None)


def architecture_from_args(args: argparse.Namespace) -> Architecture:
    """The preset with each given flag applied on top."""
    changes: dict = {}
    if args.input:
        changes["in_height"], changes["in_width"], changes["in_channels"] = parse_shape(args.input)
    if args.filters is not None:
        changes["out_channels"] = parse_int_list("filters", args.filters)
    if args.dense is not None:
        changes["dense"] = parse_int_list("dense", args.dense)
    for flag, name in (("kernel", "kernel_size"), ("padding", "padding"), ("pool", "pool"),
                       ("pool_size", "pool_size"), ("classes", "num_classes"),
                       ("batch_norm", "batch_norm")):
        value = getattr(args, flag)
        if value is not None:
            changes[name] = value
    arch = PRESETS[args.preset].replace(**changes)
    layer_table(arch)  # validate now, so every subcommand fails the same way
    return arch


def format_table(arch: Architecture) -> str:
    layers = layer_table(arch)
    rows = [("layer", "output", "neurons", "params", "formula", "MACs", "RF")]
    for layer in layers:
        shape = "×".join(map(str, layer.output_shape))
        rows.append((layer.name, shape, f"{layer.neurons:,}", f"{layer.params:,}",
                     layer.formula, f"{layer.macs:,}", str(layer.receptive_field)))
    t = totals(layers)
    rows.append(("total", "", f"{t.neurons:,}", f"{t.params:,}", "", f"{t.macs:,}", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines)


def summary_json(arch: Architecture) -> dict:
    layers = layer_table(arch)
    t = totals(layers)
    return {
        "architecture": arch.to_dict(),
        "layers": [layer.to_json() for layer in layers],
        "total_params": t.params,
        "total_neurons": t.neurons,
        "total_macs": t.macs,
    }


def cmd_summary(args: argparse.Namespace) -> int:
    arch = architecture_from_args(args)
    if args.json:
        print(json.dumps(summary_json(arch), indent=2))
    else:
        print(format_table(arch))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("summary", help="per-layer shapes, neurons, parameters and MACs")
    add_architecture_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)

    from . import train_cli  # torch-heavy subcommands live apart from the table
    train_cli.add_subcommands(sub, add_architecture_args)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PlaygroundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
