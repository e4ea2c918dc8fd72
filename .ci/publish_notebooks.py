"""Publish the built site's notebooks where "Open in Colab" finds them. The Pages workflow runs it.

Colab opens notebooks from GitHub paths only, and a Pages site is not one. So the workflow copies
the site's ``downloads/`` notebooks (each chapter's, and each lab's under ``downloads/labs/``) to a
branch of the repository, ``companions.NOTEBOOK_BRANCH``, at the same paths; the site's Colab links
(``companions.colab_url``) point there.

    python .ci/publish_notebooks.py SITE OUT           copy SITE/downloads/**.ipynb to OUT, as the branch holds them
    python .ci/publish_notebooks.py SITE OUT --push    then push OUT as the branch's one commit to the origin
                                                        of the repository in the working directory

The push uses git's plumbing in this checkout (a scratch index, write-tree, commit-tree), so it runs
with the credentials actions/checkout left there, and the branch never carries history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from snippets._book.companions import NOTEBOOK_BRANCH  # noqa: E402

README = """# Notebooks of *How Neural Networks Learn*

Written by the Pages workflow from the site's build: the chapters (`downloads/<chapter>.ipynb`) and
the labs (`downloads/labs/<chapter>.ipynb`). The site's "Open in Colab" links open them from here.
Edit the book on its main branch, never here: each deployment replaces this branch.
"""


def collect(site: Path, out: Path) -> list[str]:
    """Copy the notebooks; return their paths, relative to ``out``."""
    if out.exists():
        shutil.rmtree(out)
    paths = sorted(p.relative_to(site).as_posix() for p in (site / "downloads").rglob("*.ipynb"))
    if not paths:
        sys.exit(f"no notebooks under {site / 'downloads'}: was the site built?")
    for path in paths:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site / path, out / path)
    (out / "README.md").write_text(README)
    return paths


def push(out: Path) -> None:
    env = dict(os.environ, GIT_INDEX_FILE=str(out.parent / "notebooks.index"),
               GIT_AUTHOR_NAME="github-actions[bot]", GIT_COMMITTER_NAME="github-actions[bot]",
               GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com",
               GIT_COMMITTER_EMAIL="41898282+github-actions[bot]@users.noreply.github.com")
    git = lambda *args: subprocess.run(["git", *args], env=env, check=True, capture_output=True,  # noqa: E731
                                       text=True).stdout.strip()
    git("--work-tree", str(out), "add", "--all", ".")
    tree = git("write-tree")
    source = os.environ.get("GITHUB_SHA") or git("rev-parse", "HEAD")
    commit = git("commit-tree", tree, "-m", f"Notebooks built from {source}")
    git("push", "--force", "origin", f"{commit}:refs/heads/{NOTEBOOK_BRANCH}")
    print(f"pushed {commit[:12]} to {NOTEBOOK_BRANCH}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--push"]):
        sys.exit(__doc__)
    site, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    paths = collect(site, out)
    print(f"{len(paths)} notebooks in {out}")
    if sys.argv[3:] == ["--push"]:
        push(out)
