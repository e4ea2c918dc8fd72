"""The code of the book, one module per chapter.

Each module is a plain Python script cut into named cells by ``# %% name`` lines.
The chapter page in ``docs/`` with the same name shows every cell in order and,
when the site is built, the output each one printed. Run a chapter in a terminal
with ``python -m snippets run tensors``; list them with ``python -m snippets list``.
"""
