"""The MkDocs adapter: the ``book`` plugin, MkDocs hooks that call the core and hand MkDocs its files.

Everything a chapter needs happens in the core (``cells``, ``run``, ``cache``, ``render``,
``companions``, ``report``, ``serve``); this module only translates: MkDocs' files and config in,
generated files (figures, notebooks, scripts, the report) and rendered Markdown out, and a
:class:`BookError` becomes a :class:`PluginError`. It is the only engine module that imports MkDocs.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import threading
from pathlib import Path

import jinja2
from mkdocs.config import base, config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data
from watchdog.observers.polling import PollingObserver

from snippets._book import book, cache, companions, labs, pdf, reference, report, serve, slim
from snippets._book.cells import BookError, Page, display_path, module_path, rewrite
from snippets._book.render import check_figures, figure_path, render_page
from snippets._book.run import CellResult

LOG = logging.getLogger("mkdocs.plugins.book")


class BookConfig(base.Config):
    snippets_dir = config_options.Type(str, default="snippets")  # where the chapter modules live
    cache_dir = config_options.Type(str, default=".cache/book")
    jobs = config_options.Type(int, default=0)  # pages run at once; 0 means one per CPU
    report = config_options.Type(str, default="build-report.md")  # the generated report page
    companions = config_options.Type(bool, default=True)  # labs/<chapter>.ipynb and downloads/<chapter>.{ipynb,py}


class BookPlugin(BasePlugin[BookConfig]):
    """Runs every chapter while MkDocs collects files, so a failure stops the build before a page is written.

    Environment switches: ``BOOK_RERUN=1`` ignores the cache; ``BOOK_EXECUTE=0`` renders code without
    running it (only for measuring the build itself); ``BOOK_CHECKPOINTS=0`` turns off the checkpoints
    that ``mkdocs serve`` keeps.
    """

    sessions = None  # under `mkdocs serve`: each page's last run and its checkpoints (snippets/_book/checkpoints.py)
    templates = None  # under `mkdocs serve`: compiled theme templates, kept across rebuilds
    watcher = None  # under `mkdocs serve`: starts an edited chapter's run as the file is saved (serve.SaveWatcher)
    dirty = False  # `mkdocs serve --dirty`: only pages marked modified are rewritten

    def on_startup(self, *, command, dirty):
        """Having this hook keeps one plugin object for the whole of `mkdocs serve`, so state survives rebuilds."""
        self.dirty, self.shown, self.pending, self.api, self.command = dirty, {}, {}, None, command
        self.built = False  # whether a build has finished (under serve: the first one is over)
        self.companion_files = serve.KeptCompanions() if command == "serve" else companions.companion_files
        serial = os.environ.get("BOOK_THREADS", "1") == "1"  # a process with more threads cannot be forked safely
        if command == "serve":
            self.templates = TemplateCache()
            if serial and os.environ.get("BOOK_CHECKPOINTS", "1") != "0":
                from snippets._book.checkpoints import Sessions

                self.sessions = Sessions()
                self.warming = None
        if dirty:  # we rewrite every page whose outputs changed (see mark_stale), so MkDocs' caveat does not apply
            logging.getLogger("mkdocs.commands.build").addFilter(lambda r: "'dirty' build" not in r.getMessage())

    def on_serve(self, server, config, builder):
        """Rebuild sooner after a save: MkDocs looks for changed files every 0.1 s instead of every 0.5 s,
        and a saved chapter starts running at once (see ``serve.SaveWatcher``)."""
        # MkDocs has no setting for how often its server polls for changes (0.5 s). So the server gets a new
        # observer, watchdog's PollingObserver polling every 0.1 s, and the folders watched before this hook
        # move onto it through the server's own unwatch and watch.
        watched = []
        for path in (config.docs_dir, config.config_file_path, *config.theme.dirs):
            try:
                server.unwatch(path)
                watched.append(path)
            except KeyError:  # not watched: theme folders are watched only with --watch-theme
                pass
        server.observer = PollingObserver(timeout=0.1)
        for path in watched:
            server.watch(path)
        if self.dirty and self.config.companions:  # labs written after a build start the next one
            server.watch(str(Path(config.config_file_path).parent / self.config.cache_dir / "generated" / "labs"))
        if self.sessions is not None and os.environ.get("BOOK_EXECUTE", "1") != "0":
            root = Path(config.config_file_path).parent
            self.watcher = serve.SaveWatcher(lambda path: self.read_page(path)[1], root / self.config.cache_dir,
                                             os.environ.get("BOOK_RERUN") == "1", self.sessions)
            self.watcher.sources = self.sources  # the first build's, made before this hook
            self.watcher.start([config.docs_dir, str(root / self.config.snippets_dir)])
        return server

    def on_env(self, env, config, files):
        """Each rebuild under `mkdocs serve` makes a new Jinja environment that would compile the theme's
        templates again (about 0.1 s); a cache kept across rebuilds skips that. It keys on each template's
        source, so an edited override is still compiled afresh."""
        if self.templates is not None:
            env.bytecode_cache = self.templates
        return env

    def on_shutdown(self):
        if self.watcher:
            self.watcher.stop()
        if self.sessions:
            self.sessions.close()

    def on_files(self, files, config):
        self.pages: dict[str, Page] = {}
        self.markdowns: dict[str, str] = {}  # each chapter's Markdown, for its notebook
        self.later: dict[Path, str] = {}  # lab notebooks to write after this build (see add_companions)
        self.labs: dict[str, tuple[str, int, str]] = {}  # module → (chapter title, exercises, page), chapters with a lab
        references = set()  # pages with mkdocstrings blocks: they show the modules' docstrings
        self.snippets_dir = Path(config.config_file_path).parent / self.config.snippets_dir
        self.cache = Path(config.config_file_path).parent / self.config.cache_dir
        self.rerun = os.environ.get("BOOK_RERUN") == "1"
        sources = []  # each chapter's page and module file, for the save watcher
        for file in files.documentation_pages():
            markdown, page = self.read_page(Path(file.abs_src_path))
            if re.search(r"^::: ", markdown, re.M):
                references.add(file.src_uri)
            if page is not None:
                self.pages[file.src_uri] = page
                self.markdowns[page.src] = markdown
                sources.append((Path(file.abs_src_path), module_path(page.module, self.snippets_dir)))
        self.sources = sources
        if self.watcher:
            self.watcher.sources = sources  # one assignment: the watcher reads it on its own thread
        self.runs = self.execute()
        if self.dirty:
            self.mark_stale(files, references, self.snippets_dir)
        for src, run in self.runs.items():
            page, results = self.pages[src], run.results
            for result in results:
                try:
                    check_figures(page, result)
                except BookError as err:
                    raise PluginError(str(err)) from None
                for k, svg in enumerate(result.figures):
                    files.append(File.generated(config, figure_path(page.module, result.name, k), content=svg))
            if self.config.companions:
                self.add_companions(files, config, src, page, results)
        if self.config.companions and self.labs:
            order = [self.pages[src].module for src in book.nav_pages(config.nav or []) if src in self.pages]
            self.labs = dict(sorted(self.labs.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
            files.append(File.generated(config, "labs/index.md", content=labs.labs_index(self.labs, config.repo_url)))
        if self.config.report:
            reading = {src: k for k, src in enumerate(book.nav_pages(config.nav or []))}  # the report lists pages in this order
            runs = dict(sorted(self.runs.items(), key=lambda item: reading.get(item[0], len(reading))))
            files.append(File.generated(config, self.config.report, content=report.build_report(self.pages, runs)))
        return files

    def read_page(self, path: Path) -> tuple[str, Page | None]:
        """A documentation file's Markdown, and its chapter if its front matter names a ``snippets:`` module."""
        try:
            return book.read_page(path, self.snippets_dir, split=get_data)  # MkDocs' own front matter reader
        except BookError as err:
            raise PluginError(str(err)) from None

    def mark_stale(self, files, references: set[str], snippets_dir: Path) -> None:
        """Under ``--dirty`` MkDocs rewrites a page only when its Markdown file changed. A chapter whose
        outputs changed must be rewritten too, and so must the API reference when a docstring changed.

        A chapter's outputs changed when its code ran, or when it came from the cache under another key
        than the one it was last written with (an edit undone, say)."""
        api = serve.api_fingerprint(snippets_dir)
        for file in files.documentation_pages():
            run = self.runs.get(file.src_uri)
            if run is not None:
                self.pending[file.src_uri] = run.key
            if (run is not None and (not run.hit or self.shown.get(file.src_uri) != run.key)) or (
                file.src_uri in references and api != self.api
            ):
                file.is_modified = lambda: True  # noqa: B023 - the same answer for every file it is set on
        self.api = api

    def on_post_build(self, config):
        self.shown.update(getattr(self, "pending", {}))  # only pages that were really written count as shown
        for lab, notebook in self.later.items():  # rendering a lab takes half a second: the watcher rebuilds it next
            lab.write_text(notebook)
        if self.command != "serve" and os.environ.get("BOOK_PDF") != "0":  # serve never makes the PDF
            chapters = [self.pages[f"{src}"].module for src in book.nav_pages(config.nav) if src in self.pages]
            try:
                pdf.make_pdf(Path(config.site_dir), chapters, self.cache / "pdf")
            except BookError as err:
                raise PluginError(f"book: {err}") from None
        self.built = True
        if self.sessions and self.warming is None:
            self.warming = threading.Thread(target=serve.warm, args=(dict(self.pages), self.sessions), daemon=True)
            self.warming.start()

    def on_page_content(self, html_text, page, config, files):
        if page.file.src_uri.startswith("labs/") and page.file.src_uri.endswith(".ipynb"):
            module = posixpath.splitext(posixpath.basename(page.file.src_uri))[0]
            title, _, src = self.labs[module]
            chapter = get_relative_url(files.get_file_from_path(src).url, page.file.url)
            content = slim.slim_code(labs.mark_math(html_text), slim.JUPYTER, "pre")  # nbconvert's code: <pre>
            return companions.lab_links(module, title, chapter, config.repo_url) + content
        return slim.slim_code(html_text)  # the same colours with fewer elements (snippets/_book/slim.py)

    def on_post_page(self, output, page, config):
        """A lab page carries mkdocs-jupyter's styles inline, about 600 kB; every lab shares one copy instead."""
        if page.file.src_uri.startswith("labs/") and page.file.src_uri.endswith(".ipynb"):
            output = labs.shared_styles(output, Path(config.site_dir), "../../")
        return output

    def add_companions(self, files, config, src: str, page: Page, results: list[CellResult]) -> None:
        """The chapter's notebook and script (downloads), and its lab when it has exercises: a workbook that
        mkdocs-jupyter renders under labs/ and that is downloadable too."""
        notebook, script, lab_notebook = self.companion_files(page, self.markdowns[page.src], results, config.site_url)
        files.append(File.generated(config, f"downloads/{page.module}.ipynb", content=notebook))
        files.append(File.generated(config, f"downloads/{page.module}.py", content=script))
        if lab_notebook is None:
            return
        self.labs[page.module] = (page.title, labs.exercise_count(lab_notebook), src)
        files.append(File.generated(config, f"downloads/labs/{page.module}.ipynb", content=lab_notebook))
        # mkdocs-jupyter reads a real file under a real source folder, so the lab gets one of its own.
        root = Path(config.config_file_path).parent / self.config.cache_dir / "generated"
        lab = root / "labs" / f"{page.module}.ipynb"
        lab.parent.mkdir(parents=True, exist_ok=True)
        if not lab.is_file() or lab.read_text() != lab_notebook:
            # Under `make serve`, after its first build: the chapter first, its lab in a rebuild of its own. The
            # first build writes it at once, as it shows every page anyway (a lab kept from an earlier session links
            # to that session's port, and written later, it would stay stale until an edit re-rendered all the labs).
            if self.dirty and self.built and lab.is_file():
                self.later[lab] = lab_notebook
            else:
                lab.write_text(lab_notebook)
        files.append(File(f"labs/{page.module}.ipynb", str(root), config.site_dir, config.use_directory_urls))

    def execute(self) -> dict:
        if os.environ.get("BOOK_EXECUTE", "1") == "0":
            return {src: cache.PageRun([], None, False, 0.0) for src in self.pages}
        jobs = int(os.environ.get("BOOK_JOBS", self.config.jobs or os.cpu_count() or 1))
        early = self.watcher.take(self.pages) if self.watcher else {}
        try:
            return cache.run_pages(self.pages, self.cache, self.rerun, jobs, self.sessions, early)
        except BookError as err:
            raise PluginError(str(err)) from None

    def on_page_markdown(self, markdown, page, config, files):
        src = page.file.src_uri
        if src.endswith(".ipynb"):  # a lab, written by the build: its code may hold "{{" (a dict in an f-string)
            return markdown
        if src not in self.pages and re.search(r"^::: snippets\.", markdown, re.M):  # the API reference
            files_of = {s: (Path(config.docs_dir) / s, module_path(p.module, self.snippets_dir)) for s, p in self.pages.items()}
            markdown = reference.expand_reference(markdown, self.pages, files_of)
        if src not in self.pages:
            rewrite(markdown, lambda n, t: self._stray(display_path(Path(page.file.abs_src_path or page.file.src_uri)), n, t))
            return markdown
        results, seed = self.runs[src].results, self.runs[src].seed
        page_dir = posixpath.dirname(src)
        module = self.pages[src].module
        links = companions.companion_links(module, page_dir, config.repo_url, module in self.labs) if self.config.companions else []
        executed = os.environ.get("BOOK_EXECUTE", "1") != "0"
        return render_page(markdown, self.pages[src], results, seed, page_dir, links, executed=executed)

    @staticmethod
    def _stray(src: str, number: int, text: str) -> str:
        raise PluginError(f"{src}: '{{{{ {text} }}}}' on a page with no 'snippets:' module in its front matter")


class TemplateCache(jinja2.BytecodeCache):
    """Compiled Jinja templates kept in memory, keyed by name and checked against their source."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()
