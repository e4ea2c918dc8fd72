"""The set-up a newcomer meets: `make` with a too-old Python, on Windows, after a half-made .venv,
and where torch comes from. Each runs the real Makefile and .ci/setup-venv in a small throwaway
project (a lock with no torch, a package with no code), so nothing is downloaded."""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

TINY_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "tinybook"
version = "0"

[tool.setuptools]
py-modules = []
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the set-up (Makefile, .ci/setup-venv) around a tiny project."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / ".ci" / "setup-venv", tmp_path / ".ci" / "setup-venv")
    (tmp_path / "requirements.lock").write_text("# nothing pinned: the tiny project needs nothing\n")
    (tmp_path / "pyproject.toml").write_text(TINY_PYPROJECT)
    return tmp_path


def make(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "TORCH_INDEX"))}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=project, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


def fake_python(folder: Path, version: str) -> Path:
    """A `python` that says it is ``version`` (and, like any Python of that version, fails the 3.11 check)."""
    major, minor = map(int, version.split("."))
    script = folder / f"python{version}"
    script.write_text(f"""#!/bin/sh
case "$*" in
  *"sys.version_info < (3, 11)"*) exit {int((major, minor) < (3, 11))} ;;
  *"sys.version_info[:2]"*) echo {version} ;;
  *) exit 0 ;;
esac
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_an_old_python_gets_a_clear_message_not_a_resolver_error(project):
    old = fake_python(project, "3.10")
    proc = make(project, "setup", PYTHON=str(old))
    assert proc.returncode != 0
    assert "is Python 3.10; this book needs Python 3.11 or newer" in proc.stderr
    assert "make PYTHON=python3.12" in proc.stderr
    assert not (project / ".venv").exists(), "nothing is made with a Python that cannot run the book"


def test_a_missing_python_gets_a_clear_message(project):
    proc = make(project, "setup", PYTHON="python3.99-not-here")
    assert proc.returncode != 0 and "no 'python3.99-not-here' found" in proc.stderr


def test_windows_is_pointed_at_wsl(project):
    proc = make(project, "setup", OS="Windows_NT")  # what `make` sees in a Windows shell
    assert proc.returncode != 0 and "Use WSL" in proc.stderr and "fork" in proc.stderr
    uname = project / "bin" / "uname"  # Git Bash or MSYS2, where OS may not reach make
    uname.parent.mkdir()
    uname.write_text("#!/bin/sh\necho MINGW64_NT-10.0-19045\n")
    uname.chmod(0o755)
    proc = subprocess.run(["sh", ".ci/setup-venv"], cwd=project, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PATH=f"{uname.parent}:{os.environ['PATH']}"))
    assert proc.returncode != 0 and "Use WSL" in proc.stderr and not (project / ".venv").exists()


@pytest.mark.parametrize("ready", [False, True], ids=["half-made", "half-made-marked-ready"])
def test_a_half_made_venv_is_made_again_by_the_next_make(project, ready):
    """`python3 -m venv` without Debian's python3-venv leaves a .venv with no pip; so can an interrupted set-up."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True, timeout=120)
    if ready:
        (project / ".venv" / ".ready").touch()
    assert subprocess.run([project / ".venv/bin/python", "-c", "import pip"], capture_output=True).returncode != 0
    proc = make(project, "setup", PYTHON=sys.executable)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "incomplete" in proc.stdout, proc.stdout
    assert subprocess.run([project / ".venv/bin/python", "-m", "pip", "--version"], capture_output=True).returncode == 0
    assert (project / ".venv" / ".ready").is_file()
    again = make(project, "setup", PYTHON=sys.executable)  # and a working one is left alone
    assert again.returncode == 0 and "setup:" not in again.stdout, again.stdout


def test_torch_comes_from_the_cpu_index_on_linux_and_pip_elsewhere(project):
    def torch_index(*args: str) -> str:
        proc = make(project, "-pn", "setup", *args)
        return next(line.split("=", 1)[1].strip() for line in proc.stdout.splitlines()
                    if line.startswith("TORCH_INDEX ") and "=" in line)

    expected = "https://download.pytorch.org/whl/cpu" if platform.system() == "Linux" else "pip"
    assert torch_index() == expected
    assert torch_index("TORCH_INDEX=https://download.pytorch.org/whl/cu126") == "https://download.pytorch.org/whl/cu126"


@pytest.mark.skipif(platform.system() != "Linux" or os.environ.get("TORCH_INDEX", "").endswith(("pip", "cu126", "cu128")),
                    reason="the CPU build is the Linux default; another TORCH_INDEX was chosen")
def test_this_venv_has_torch_cpu_build_and_no_nvidia_packages():
    import importlib.metadata as md

    import torch

    assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
    nvidia = sorted(d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia"))
    assert not nvidia, nvidia


def test_the_makefile_no_longer_hides_materials_end_of_life_notice():
    assert "NO_MKDOCS_2_WARNING" not in (ROOT / "Makefile").read_text()
