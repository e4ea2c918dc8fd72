"""MkDocs hook (mkdocs.yml ``hooks:``): every lab's "edit this page" link opens the page it is made from.

A lab (``labs/<chapter>.ipynb``) is written by the build from the Exercises section of
``docs/<chapter>.md``, so the link MkDocs would give it, to ``docs/labs/<chapter>.ipynb``, leads
nowhere. MkDocs joins a file's ``edit_uri`` to the site's ``edit_uri`` (``edit/main/docs/``).
"""

from __future__ import annotations

import posixpath

from mkdocs.plugins import event_priority


@event_priority(-100)  # after the book plugin has added the labs
def on_files(files, config):
    for file in files:
        if file.src_uri.startswith("labs/") and file.src_uri.endswith(".ipynb"):
            chapter = posixpath.splitext(posixpath.basename(file.src_uri))[0]
            file.edit_uri = f"{chapter}.md"
    return files
