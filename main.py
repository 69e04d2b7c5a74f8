"""Optimizer Lab. No arguments (or window options such as --experiment): the window. A subcommand: headless.

    python main.py                                  the window
    python main.py --experiment E.json [--steps N] --screenshot OUT.png [--size WxH]
    python main.py -h                               the subcommands and the window's options
    python main.py objectives | optimizers | eval | run ...   headless; imports no Qt
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):  # the subcommands, then the window's options (imports no Qt)
        from lab.cli import main as cli_main
        from widgets.app import window_help

        status = cli_main(argv)
        print("\n" + window_help(), end="")
        return status
    if argv and not argv[0].startswith("--"):
        from lab.cli import main as cli_main

        return cli_main(argv)
    from widgets.app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
