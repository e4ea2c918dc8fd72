#!/usr/bin/env python3
"""Lighthouse benchmark of the built site (a benchmark script, never a test).

Usage:  python .ci/lighthouse.py [SITE_DIR] [--preset mobile|desktop|both] [--runs N] [--page PATH]
                                  [--dark] [--no-skip]

Takes an already built site (default ``site/``; build it first with ``make build`` or
``mkdocs build -d DIR``), serves it on 127.0.0.1 from a thread, and runs the Lighthouse
CLI with Debian's /usr/bin/chromium on every chapter page (every page whose HTML has the
class "book-stamp") and on the home page. Prints, per page and preset, the Performance,
Accessibility, Best Practices and SEO scores and the page weight (the page's own HTML
plus the images it shows), marks what misses a target, lists the failing audits, and
exits 1 if any target is missed (2 if Lighthouse could not run at all).

Targets: Performance >= 95, Accessibility >= 95, Best Practices = 100, SEO >= 95,
HTML + images < 500 kB (1 kB = 1000 bytes), and no request to any other host.

The default preset is Lighthouse's own default, mobile (a mid-range phone on a slow 4G
link, simulated); ``--preset both`` adds the desktop preset. Each page is measured five
times (``--runs``) and the run with the median Performance score is reported: on a busy
two-core machine one run in five or so loses 10-20 points to the machine, not the page.
Mobile, five runs, eleven pages: about 15 minutes. ``--dark`` runs with the browser in dark
mode (Material's slate scheme); ``--no-skip`` lets the accessibility audit see the code
blocks below the fold too (see NO_SKIP below). Lighthouse is installed on
first use into .cache/lighthouse with npm (pinned below; 12.x is the last line that runs
on Node 18/20). Nothing is fetched from any other host: the browser's background
networking is off and the site itself makes no request to another host.

The local server answers like GitHub Pages does: text files gzip-compressed when the
browser accepts it (``--no-gzip`` turns that off) and with a ten-minute cache lifetime.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import html.parser
import http.server
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

LIGHTHOUSE_VERSION = "12.8.2"
ROOT = Path(__file__).resolve().parent.parent
PREFIX = ROOT / ".cache" / "lighthouse"
CLI = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "Perf", "accessibility": "A11y", "best-practices": "BP", "seo": "SEO"}
TARGETS = {"performance": 95, "accessibility": 95, "best-practices": 100, "seo": 95}
MAX_WEIGHT_KB = 500
RUN_TIMEOUT = 240  # seconds for one Lighthouse run
GZIP_TYPES = (".html", ".css", ".js", ".svg", ".json", ".xml", ".txt", ".map", ".ipynb")


# ------------------------------------------------------------------ install


def ensure_lighthouse() -> None:
    """Install the pinned Lighthouse into .cache/lighthouse unless it is already there."""
    pkg = CLI.parent.parent / "package.json"
    if pkg.is_file() and json.loads(pkg.read_text()).get("version") == LIGHTHOUSE_VERSION:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("lighthouse: npm not found (apt-get install npm)")
    PREFIX.mkdir(parents=True, exist_ok=True)
    print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {PREFIX.relative_to(ROOT)} ...", flush=True)
    subprocess.run(
        [npm, "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error",
         "--prefix", str(PREFIX), f"lighthouse@{LIGHTHOUSE_VERSION}"],
        check=True,
    )
    if not CLI.is_file():
        sys.exit(f"lighthouse: npm finished but {CLI} is missing")


# ------------------------------------------------------------------ server


# With --no-skip, every HTML page is served with this rule: book.css lets the browser skip
# code blocks that are off screen (content-visibility), and axe, Lighthouse's accessibility
# engine, does not check what was skipped.
NO_SKIP = b"<style>.md-typeset div.highlight{content-visibility:visible!important}</style>"


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed like GitHub Pages serves them, without logging."""

    use_gzip = True
    no_skip = False

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?", 1)[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()  # the redirect to "dir/", or a 404
            path = index
        gzipped = self.use_gzip and "gzip" in self.headers.get("Accept-Encoding", "") and path.endswith(GZIP_TYPES)
        inject = self.no_skip and path.endswith(".html")
        if not ((gzipped or inject) and os.path.isfile(path)):
            return super().send_head()
        with open(path, "rb") as f:
            body = f.read()
        if inject:
            body = body.replace(b"</head>", NO_SKIP + b"</head>", 1)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        if gzipped:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path, use_gzip: bool, no_skip: bool = False):
    handler = functools.partial(type("H", (Handler,), {"use_gzip": use_gzip, "no_skip": no_skip}),
                                directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ------------------------------------------------------------------ pages


class _Imgs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            src = dict(attrs).get("src")
            if src:
                self.srcs.append(src)


def pages(site: Path) -> list[str]:
    """Site-relative paths ("" for the home page, "tensors/" ...) of the pages to measure."""
    found = [""]
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel == "." or rel.startswith(("assets/", "search/")):
            continue
        if 'class="book-stamp' in index.read_text(encoding="utf-8", errors="replace") or \
                "book-stamp" in _classes(index):
            found.append(rel + "/")
    return found


def _classes(index: Path) -> set[str]:
    classes: set[str] = set()

    class P(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name == "class" and value:
                    classes.update(value.split())

    P().feed(index.read_text(encoding="utf-8", errors="replace"))
    return classes


def weight(site: Path, rel: str) -> tuple[int, int, int]:
    """(HTML bytes, image bytes, number of images) of one page, from the files on disk."""
    index = site / rel / "index.html"
    text = index.read_text(encoding="utf-8", errors="replace")
    parser = _Imgs()
    parser.feed(text)
    seen, img_bytes = set(), 0
    for src in parser.srcs:
        parts = urllib.parse.urlsplit(src)
        if parts.scheme or parts.netloc:  # data: URIs are inside the HTML already
            continue
        target = posixpath.normpath(posixpath.join("/" + rel, urllib.parse.unquote(parts.path)))
        file = site / target.lstrip("/")
        if file.is_file() and file not in seen:
            seen.add(file)
            img_bytes += file.stat().st_size
    return index.stat().st_size, img_bytes, len(seen)


# ------------------------------------------------------------------ lighthouse


def run_lighthouse(url: str, preset: str, out: Path, dark: bool = False) -> dict:
    flags = CHROME_FLAGS + (" --force-dark-mode" if dark else "")
    cmd = [
        shutil.which("node") or "node", str(CLI), url,
        f"--chrome-path={CHROME}", f"--chrome-flags={flags}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json", f"--output-path={out}", "--quiet",
    ]
    if preset == "desktop":
        cmd.append("--preset=desktop")
    with tempfile.TemporaryDirectory(prefix="lh-") as tmp:
        env = dict(os.environ, TMPDIR=tmp, HOME=os.environ.get("HOME", tmp))
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env)
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse runtime error: {report['runtimeError']}")
    return report


def failing_audits(report: dict, cat: str) -> list[str]:
    """Lines describing the audits that cost the category points."""
    lines = []
    audits = report["audits"]
    for ref in report["categories"][cat]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        score = audit.get("score")
        if not ref.get("weight") or score is None or score >= 0.9:
            continue
        value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
        lines.append(f"{ref['id']}: {audit.get('title', '')}{value}")
        # The offending elements, one line per distinct (selector, reason) with a count.
        found: dict[str, int] = {}
        for item in (audit.get("details") or {}).get("items") or []:
            node = item.get("node") if isinstance(item, dict) else None
            if isinstance(node, dict):
                selector = re.sub(r"#__code_\d+", "", node.get("selector", "?"))
                why = (node.get("explanation") or "").splitlines()
                detail = next((w.strip() for w in why[1:] if w.strip()), why[0] if why else "")
                detail = re.sub(r"^Element has insufficient color contrast of ", "contrast ", detail)
                key = f"{selector}  {detail[:150]}"
            elif isinstance(item, dict) and item.get("url"):
                key = str(item["url"])
            else:
                continue
            found[key] = found.get(key, 0) + 1
        for key, n in list(found.items())[:15]:
            lines.append(f"    {key}" + (f"  (x{n})" if n > 1 else ""))
        if len(found) > 15:
            lines.append(f"    ... and {len(found) - 15} more")
    if cat == "performance":
        # What the page spends its time on: the biggest opportunities, however they score,
        # and the scripts behind the longest tasks (Total Blocking Time is made of those).
        for aid, audit in audits.items():
            savings = ((audit.get("details") or {}).get("overallSavingsMs") or 0)
            if savings >= 100:
                lines.append(f"{aid}: {audit.get('title', '')} (saves ~{savings:.0f} ms)")
        tasks = ((audits.get("long-tasks") or {}).get("details") or {}).get("items") or []
        by_url: dict[str, list[float]] = {}
        for task in tasks:
            by_url.setdefault(urllib.parse.urlsplit(task.get("url", "")).path or task.get("url", "?"), []).append(
                task.get("duration", 0))
        if by_url:
            worst = sorted(by_url.items(), key=lambda kv: -sum(kv[1]))[:5]
            lines.append("long tasks: " + ", ".join(
                f"{url} {len(d)} x, longest {max(d):.0f} ms" for url, d in worst))
    return lines


def foreign_requests(report: dict, base: str) -> list[str]:
    """Requests the page made to any host but the local server (the site must make none)."""
    host = urllib.parse.urlsplit(base).netloc
    items = (((report["audits"].get("network-requests") or {}).get("details") or {}).get("items")) or []
    return sorted({i["url"] for i in items
                   if i.get("url", "").startswith(("http:", "https:", "ws:", "wss:"))
                   and urllib.parse.urlsplit(i["url"]).netloc != host})


def metrics(report: dict) -> str:
    a = report["audits"]
    keys = [("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"),
            ("TBT", "total-blocking-time"), ("CLS", "cumulative-layout-shift"), ("SI", "speed-index")]
    return ", ".join(f"{k} {a[i].get('displayValue', '?')}" for k, i in keys if i in a)


# ------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default=str(ROOT / "site"), help="built site directory (default site/)")
    ap.add_argument("--preset", choices=("mobile", "desktop", "both"), default="mobile")
    ap.add_argument("--page", action="append", default=[],
                    help="measure only this page (site-relative, e.g. tensors/; '' for home); repeatable")
    ap.add_argument("--reports", default=str(PREFIX / "reports"),
                    help="where to keep the JSON reports (default .cache/lighthouse/reports)")
    ap.add_argument("--runs", type=int, default=5,
                    help="Lighthouse runs per page and preset; the run with the median Performance score is "
                         "reported (scores move a few points between runs on a busy machine)")
    ap.add_argument("--dark", action="store_true",
                    help="run with the browser in dark mode (the site follows it: Material's slate scheme)")
    ap.add_argument("--no-gzip", action="store_true", help="serve files uncompressed")
    ap.add_argument("--no-skip", action="store_true",
                    help="serve pages with content-visibility off, so the accessibility audit also checks the "
                         "code blocks below the fold (Performance is then not what a reader gets)")
    args = ap.parse_args()

    site = Path(args.site).resolve()
    if not (site / "index.html").is_file():
        print(f"lighthouse: no built site at {site} (run `make build` first)", file=sys.stderr)
        return 2
    if not os.access(CHROME, os.X_OK):
        print(f"lighthouse: {CHROME} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    ensure_lighthouse()

    todo = [p if p in ("", "/") else p.strip("/") + "/" for p in args.page] if args.page else pages(site)
    todo = ["" if p == "/" else p for p in todo]
    presets = ["mobile", "desktop"] if args.preset == "both" else [args.preset]
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)

    server = serve(site, use_gzip=not args.no_gzip, no_skip=args.no_skip)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Lighthouse {LIGHTHOUSE_VERSION}, {len(todo)} pages x {', '.join(presets)}"
          + (f" x {args.runs} runs (median)" if args.runs > 1 else "")
          + (", dark mode" if args.dark else "") + (", content-visibility off" if args.no_skip else "")
          + f", site {site}", flush=True)

    rows, details, missed, broken = [], [], 0, 0
    try:
        for rel in todo:
            html_b, img_b, n_img = weight(site, rel)
            kb = (html_b + img_b) / 1000
            for preset in presets:
                name = rel or "(home)"
                out = reports / (f"{(rel.strip('/') or 'index').replace('/', '_')}-{preset}"
                                 + ("-dark" if args.dark else "") + ("-noskip" if args.no_skip else "") + ".json")
                runs = []
                for i in range(max(1, args.runs)):
                    started = time.monotonic()
                    path = out if args.runs <= 1 else out.with_name(f"{out.stem}.{i + 1}.json")
                    try:
                        report = run_lighthouse(base + rel, preset, path, dark=args.dark)
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        print(f"  {name} [{preset}]: FAILED: {exc}", flush=True)
                        continue
                    scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
                    bench = report.get("environment", {}).get("benchmarkIndex", 0)
                    print(f"  {name} [{preset}] {time.monotonic() - started:.0f} s: "
                          + " ".join(f"{SHORT[c]} {scores[c]}" for c in CATEGORIES)
                          + f"  (benchmarkIndex {bench:.0f})", flush=True)
                    runs.append((scores["performance"], len(runs), scores, report, path))
                if not runs:
                    broken += 1
                    rows.append((name, preset, None, kb, html_b, img_b, n_img))
                    continue
                runs.sort(key=lambda r: r[:2])
                _, _, scores, report, path = runs[(len(runs) - 1) // 2]  # the median (the lower one of two)
                if path != out:
                    shutil.copyfile(path, out)
                rows.append((name, preset, scores, kb, html_b, img_b, n_img))
                page_lines = []
                foreign = foreign_requests(report, base)
                if foreign:
                    missed += 1
                    page_lines.append(f"  [requests to another host: {len(foreign)}]")
                    page_lines += [f"    {url}" for url in foreign[:10]]
                for c in CATEGORIES:
                    if scores[c] < TARGETS[c]:
                        missed += 1
                    lines = failing_audits(report, c)
                    if c == "performance" and scores[c] < TARGETS[c]:
                        lines.insert(0, "metrics: " + metrics(report))
                    elif c == "performance":
                        lines = []  # a page on target: its opportunities are just noise here
                    if lines:
                        page_lines.append(f"  [{SHORT[c]} {scores[c]}]")
                        page_lines += [f"    {line}" for line in lines]
                if page_lines:
                    details.append(f"{name} [{preset}]")
                    details += page_lines
            if kb >= MAX_WEIGHT_KB:
                missed += 1
    finally:
        server.shutdown()

    # ---- the table
    print()
    head = f"{'page':<22} {'preset':<8}" + "".join(f"{SHORT[c]:>6}" for c in CATEGORIES) + \
        f"{'kB':>8}  (html + images)"
    print(head)
    print("-" * len(head))
    for name, preset, scores, kb, html_b, img_b, n_img in rows:
        cells = ""
        for c in CATEGORIES:
            if scores is None:
                cells += f"{'--':>6}"
            else:
                mark = "*" if scores[c] < TARGETS[c] else " "
                cells += f"{scores[c]:>5}{mark}"
        wmark = "*" if kb >= MAX_WEIGHT_KB else " "
        print(f"{name:<22} {preset:<8}{cells}{kb:>7.0f}{wmark} ({html_b / 1000:.0f} + {img_b / 1000:.0f} in {n_img})")
    print(f"targets: Perf >= {TARGETS['performance']}, A11y >= {TARGETS['accessibility']}, "
          f"BP = {TARGETS['best-practices']}, SEO >= {TARGETS['seo']}, weight < {MAX_WEIGHT_KB} kB; "
          "* = missed")
    if details:
        print("\nFailing audits:")
        print("\n".join(details))
    print(f"\nJSON reports: {reports}")
    if broken:
        print(f"{broken} Lighthouse run(s) failed")
        return 2
    if missed:
        print(f"{missed} target(s) missed")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
