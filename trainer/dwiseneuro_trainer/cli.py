"""`trainer` command line. Each subcommand lives in its own module with a `register(subparsers)`
function; this file only assembles them and turns known errors into one clear line."""
import argparse
import sys
from typing import List, Optional

from . import commands_models, commands_training

# Modules that contribute subcommands, in the order `trainer --help` lists them.
COMMAND_MODULES = [commands_models, commands_training]


class UsageError(Exception):
    """A problem with what the user asked for; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trainer", description=__doc__.split("\n")[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from .checkpoints import CheckpointError
    from .ensemble import EnsembleError
    from .predict import ClipError
    try:
        return int(args.handler(args) or 0)
    except (UsageError, CheckpointError, EnsembleError, ClipError, FileNotFoundError, KeyError,
            ValueError) as error:
        print(f"trainer {args.command}: error: {error}", file=sys.stderr)
        return 2
