"""``python -m snippets``: list the chapters' cells, or run a chapter in the terminal.

    python -m snippets list
    python -m snippets run tensors              # the whole chapter
    python -m snippets run tensors:broadcasting # that cell and every cell before it

``run`` prints what the chapter page shows under each cell.
"""

from __future__ import annotations

import argparse
import sys

from snippets._book.book import chapters
from snippets._book.cells import BookError, load_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snippets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list every cell, grouped by chapter")
    run = sub.add_parser("run", help="run a chapter, or one cell with the cells before it")
    run.add_argument("name", help="CHAPTER or CHAPTER:CELL, as 'list' prints them")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for chapter in chapters():
                print(chapter)
                for cell in load_module(chapter):
                    print(f"  {chapter}:{cell.name}")
            return 0
        return run_chapter(args.name)
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def run_chapter(name: str) -> int:
    from snippets._book.run import run_module

    chapter, _, cell = name.partition(":")
    if chapter not in chapters():
        raise BookError(f"no chapter '{chapter}'; 'python -m snippets list' shows them")

    def echo(result):
        print(f"# %% {result.name}")
        if result.output:
            print(result.output, end="" if result.output.endswith("\n") else "\n")
        for _ in result.figures:
            print("[figure]")

    run_module(chapter, upto=cell or None, echo=echo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
