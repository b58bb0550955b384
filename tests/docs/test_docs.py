"""The documentation is tested: every ```python block in docs/ and README.md runs.

Each markdown file is one program: its python blocks run in order, in one namespace, in a fresh
temporary working directory, so a later block may use what an earlier block of the same file
defined. Blocks fenced as ```text, ```bash (or any other language) are shown, not run. The docs
assert their own results (NumPy by hand == minikeras), so a wrong number fails here.

Tracebacks point into the markdown file: a block is compiled with the .md path as its file name
and padded so that its line numbers are the file's.

Files that train on the MNIST sample (they call `mnist.load_sample`) are marked slow; CI runs
them, `pytest -m "not slow"` skips them while you work.
"""
import re

import pytest

import minikeras
from tests.paths import DOCS

RUN_LANGUAGES = {"python"}
SHOW_LANGUAGES = {"text", "bash", "console"}
FENCE = re.compile(r"^(\s*)```(.*)$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def markdown_files():
    return sorted(DOCS.rglob("*.md")) + [DOCS.parent / "README.md"]


def code_blocks(path):
    """[(language, first_code_line_number, code)] for every fenced block of a markdown file."""
    blocks, language, start, lines = [], None, None, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if match and match.group(1):
            raise AssertionError(f"{path}:{number}: indented code fence; start fences at column 0 "
                                 f"so that the docs test sees them.")
        if match is None:
            if language is not None:
                lines.append(line)
            continue
        if language is None:
            language, start, lines = match.group(2).strip(), number + 1, []
            if not language:
                raise AssertionError(f"{path}:{number}: code fence without a language; write "
                                     f"```python (run) or ```text (shown only).")
        else:
            if match.group(2).strip():
                raise AssertionError(f"{path}:{number}: a block opened at line {start - 1} is not "
                                     f"closed before this fence.")
            blocks.append((language, start, "\n".join(lines) + "\n"))
            language = None
    if language is not None:
        raise AssertionError(f"{path}: the code block opened at line {start - 1} is never closed.")
    return blocks


def _param(path, runs_code=False):
    """A pytest parameter for one page; running a page that trains on MNIST is slow."""
    slow = runs_code and "load_sample(" in path.read_text(encoding="utf-8")
    return pytest.param(path, id=str(path.relative_to(DOCS.parent)),
                        marks=[pytest.mark.slow] if slow else [])


def test_docs_exist():
    names = {str(p.relative_to(DOCS.parent)) for p in markdown_files()}
    assert {"docs/index.md", "docs/getting_started.md", "docs/from_scratch.md", "README.md"} <= names, names


@pytest.mark.parametrize("path", [_param(p) for p in markdown_files()])
def test_fences_have_known_languages(path):
    for language, line, _ in code_blocks(path):
        assert language in RUN_LANGUAGES | SHOW_LANGUAGES, (
            f"{path}:{line - 1}: unknown fence language {language!r} (a typo would silently "
            f"skip the block); use one of {sorted(RUN_LANGUAGES | SHOW_LANGUAGES)}.")


@pytest.mark.parametrize("path", [_param(p) for p in markdown_files()])
def test_relative_links_resolve(path):
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.exists(), f"{path}: broken link to {target!r} ({resolved} does not exist)"


@pytest.mark.parametrize("path", [_param(p, runs_code=True) for p in markdown_files()])
def test_docs_code_runs(path, tmp_path, monkeypatch):
    blocks = [(line, code) for language, line, code in code_blocks(path) if language == "python"]
    if path.name not in ("index.md", "from_scratch.md"):
        assert blocks, f"{path} has no ```python block; every page of the course runs code."
    monkeypatch.chdir(tmp_path)
    minikeras.utils.clear_session()
    saved = (minikeras.backend.floatx(), minikeras.backend.epsilon())
    namespace = {"__name__": "__docs__"}
    try:
        for line, code in blocks:
            # Pad so that a traceback's line numbers are the markdown file's line numbers.
            exec(compile("\n" * (line - 1) + code, str(path), "exec"), namespace)
    finally:
        minikeras.backend.set_floatx(saved[0])
        minikeras.backend.set_epsilon(saved[1])
