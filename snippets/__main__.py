"""``python -m snippets``: list the chapters' cells, or run a chapter in the terminal.

    python -m snippets list
    python -m snippets run tensors              # the whole chapter
    python -m snippets run tensors:broadcasting # that cell and every cell before it

``run`` prints what the chapter page shows under each cell.
"""

from __future__ import annotations

import argparse
import sys

from snippets._engine import PACKAGE_DIR, BookError, load_module, nav_pages


def chapters() -> list[str]:
    """Chapter modules in reading order: the order of the site's navigation, then any others."""
    ordered = []
    config = PACKAGE_DIR.parent / "mkdocs.yml"
    if config.is_file():
        from mkdocs.utils.yaml import yaml_load  # MkDocs' own reader: mkdocs.yml uses its !ENV tag

        for node in nav_pages(yaml_load(config.read_text()).get("nav", [])):
            page = PACKAGE_DIR.parent / "docs" / node
            if page.is_file():
                module = front_matter(page.read_text(encoding="utf-8")).get("snippets")
                if module and module not in ordered:
                    ordered.append(module)
    others = sorted(p.stem for p in PACKAGE_DIR.glob("[a-z]*.py") if p.stem not in ordered)
    return ordered + others


def front_matter(markdown: str) -> dict:
    from mkdocs.utils.meta import get_data

    return get_data(markdown)[1]


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
    from snippets._engine import run_module

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
