"""The build report: the generated page that says what ran, how long it took, and what came from the cache."""

from __future__ import annotations

from snippets._book.cells import Page
from snippets._book.run import environment


def build_report(pages: dict[str, Page], runs: dict) -> str:
    """The build report page: what ran, how long it took, and whether it came from the cache."""
    env = environment()
    summary, details, total = [], [], 0.0
    for src, run in runs.items():
        results, hit = run.results, run.hit
        seconds = sum(r.seconds for r in results)
        total += seconds
        peak = max((r.peak_mb for r in results), default=0)
        summary.append(f"| [{pages[src].title}]({src}) | {len(results)} | {seconds:.2f} | {'hit' if hit else 'miss' + (f' (resumed at `{run.resumed}`)' if run.resumed else '')} | {peak:.0f} |")
        details += [f'??? note "{pages[src].title}: every cell"', "    | Cell | Seconds | Peak memory (MB) |",
                    "    |---|---:|---:|", *(f"    | `{r.name}` | {r.seconds:.2f} | {r.peak_mb:.0f} |" for r in results), ""]
    seeds = sorted({str(run.seed) for run in runs.values() if run.seed is not None})
    return "\n".join([
        "---",
        "search:",
        "  exclude: true",  # a table of timings; and under `mkdocs serve --dirty` it would pile up in the index
        "---",
        "",
        "# Build report",
        "",
        "Every chapter's code ran, or came from the cache, when this site was built. Times are those of the run "
        "that produced the outputs; a cache hit reuses an earlier run of exactly the same code, versions and engine, "
        "and under `mkdocs serve` a run resumed at a cell keeps the times of the cells before it. "
        "Peak memory is the largest resident size of the process running the page, up to that cell.",
        "",
        f"- Python {env['python']}, torch {env['torch']}, matplotlib {env['matplotlib']}, {env['platform']}, {env['device']}",
        f"- Seeds set by the pages: {', '.join(seeds) or 'none'}",
        f"- {len(runs)} pages, {sum(len(run.results) for run in runs.values())} cells, {total:.2f} s of cell run time in all",
        "",
        "| Page | Cells | Seconds | Cache | Peak memory (MB) |",
        "|---|---:|---:|---|---:|",
        *summary,
        "",
        "## Cell by cell",
        "",
        *details,
    ])
