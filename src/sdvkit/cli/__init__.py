"""The ``sdvkit`` command line: one module per subcommand.

Each module in this package provides ``add_parser(subparsers)``, which adds its
subcommand and sets ``func`` to a callable taking the parsed arguments and
returning the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import sdvkit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sdvkit", description="The open software of an electric vehicle, in the car and in its cloud."
    )
    parser.add_argument("--version", action="version", version=f"sdvkit {sdvkit.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    status: int = args.func(args)
    return status


def entry_point() -> None:
    sys.exit(main())
