"""``lessons [--json]``: the shipped guided lessons, in the lecture's order."""
from __future__ import annotations

from lab.cli.common import print_json, table

NAME = "lessons"


def add_parser(subparsers):
    p = subparsers.add_parser(NAME, help="list the guided lessons",
                              description="The shipped lessons, in the lecture's order; open one in the window with "
                                          "python main.py --lesson NAME [--page N].")
    p.add_argument("--json", action="store_true", help="a JSON list of {name, title, pages} (pages: the page count)")
    return p


def run(args) -> int:
    from lab.lessons import catalog

    items = catalog()
    if args.json:
        print_json(items)
        return 0
    print(table(["NAME", "PAGES", "TITLE"], [[it["name"], str(it["pages"]), it["title"]] for it in items],
                right=(1,)))
    return 0
