"""``python -m snippets``: list the chapters' cells, run a chapter in the terminal, or render its page.

    python -m snippets list
    python -m snippets run tensors                    # the whole chapter
    python -m snippets run tensors:broadcasting       # that cell and every cell before it
    python -m snippets run mlp --figures figs         # figures saved as figs/<cell>.svg, not "[figure]"
    python -m snippets render tensors --out rendered  # the page as plain Markdown, figures as files
    python -m snippets render --site --out /tmp/docs  # every chapter, in the site's own Markdown

``run`` prints what the chapter page shows under each cell. ``render`` writes what the page
shows, code, outputs and quoted values, without MkDocs; it reads and fills the build's cache.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from snippets._book.book import chapters
from snippets._book.cells import BookError, load_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snippets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list every cell, grouped by chapter")
    run = sub.add_parser("run", help="run a chapter, or one cell with the cells before it")
    run.add_argument("name", help="CHAPTER or CHAPTER:CELL, as 'list' prints them")
    run.add_argument("--figures", metavar="DIR", type=Path, help="save each figure in DIR as <cell>.svg")
    render = sub.add_parser("render", help="write chapter pages as Markdown, with their figures as files")
    render.add_argument("names", nargs="*", metavar="CHAPTER", help="chapters to render (default: all)")
    render.add_argument("--out", type=Path, default=Path("rendered"), help="folder to write to (default: rendered)")
    render.add_argument("--site", action="store_true",
                        help="the site's own Markdown (Material's syntax, front matter, notebooks), not plain Markdown")
    render.add_argument("--rerun", action="store_true", help="run the code even if the cache has it")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for chapter in chapters():
                print(chapter)
                for cell in load_module(chapter):
                    print(f"  {chapter}:{cell.name}")
            code = 0
        elif args.command == "render":
            code = render_chapters(args.names or chapters(), args.out, not args.site, args.rerun)
        else:
            code = run_chapter(args.name, args.figures)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped reading (`| head`): end quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush has nowhere to fail
        return 141  # what a shell reports for a command ended by SIGPIPE


def run_chapter(name: str, figures: Path | None = None) -> int:
    from snippets._book.render import figure_path
    from snippets._book.run import run_module

    chapter, _, cell = name.partition(":")
    if chapter not in chapters():
        raise BookError(f"no chapter '{chapter}'; 'python -m snippets list' shows them")

    target = figures.resolve() if figures is not None else None  # the run itself works in a scratch folder

    def echo(result):
        print(f"# %% {result.name}")
        if result.output:
            print(result.output, end="" if result.output.endswith("\n") else "\n")
        for k, svg in enumerate(result.figures):
            if figures is None:
                print("[figure]")
                continue
            file = Path(figure_path(chapter, result.name, k)).name
            target.mkdir(parents=True, exist_ok=True)
            (target / file).write_text(svg, encoding="utf-8")
            print(f"[figure: {figures / file}]")

    run_module(chapter, upto=cell or None, echo=echo)
    return 0


def render_chapters(names: list[str], out: Path, plain: bool, rerun: bool) -> int:
    from snippets._book.book import render_chapter

    known = chapters()
    for name in names:
        if name not in known:
            raise BookError(f"no chapter '{name}'; 'python -m snippets list' shows them")
    pages, runs = {}, {}  # keyed by the page's path in `out`, as the report links to it
    for name in names:
        written, page, run = render_chapter(name, out, plain=plain, rerun=rerun)
        pages[written.relative_to(out).as_posix()], runs[written.relative_to(out).as_posix()] = page, run
        print(written)
    if not plain:  # the site's generated report page too, which the chapters link to
        from snippets._book.report import build_report

        report = out / "build-report.md"
        report.write_text(build_report(pages, runs), encoding="utf-8")
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
