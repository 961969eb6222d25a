"""Every ```python block in README.md and docs/*.md runs.

The blocks of one page run top to bottom in one namespace, as a reader would run them in a
notebook, in a fresh Python process started in an empty temporary directory (files a page
saves land there), after `minikeras.install()` so `import keras` and `import tensorflow as tf`
resolve to minikeras. A block opened with ```python no-run is skipped; ```bash, ```text and other
languages are not Python and are not run.
"""
import glob
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
FENCE = re.compile(r"^```\s*([\w+-]*)\s*(.*?)\s*$")
MAX_NO_RUN = 2  # skipped blocks must stay rare

RUNNER = r"""
import json, sys, traceback
import minikeras
minikeras.install()
page, blocks = sys.argv[1], json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for line, source in blocks:
    try:
        exec(compile(source, f"{page}:{line}", "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        print(f"\nthe block at {page} line {line} failed", file=sys.stderr)
        sys.exit(1)
"""


def code_blocks(text):
    """`(line, language, options, source)` for every fenced block (line: the opening fence)."""
    blocks, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if current is None and match:
            current = (number, match.group(1).lower(), match.group(2), [])
        elif current is not None and line.strip() == "```":
            blocks.append(current[:3] + ("\n".join(current[3]) + "\n",))
            current = None
        elif current is not None:
            current[3].append(line)
    assert current is None, f"unclosed code block opened at line {current[0]}"
    return blocks


def python_blocks(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        blocks = code_blocks(f.read())
    return [(line, options, source) for line, lang, options, source in blocks
            if lang in ("python", "py")]


def test_code_blocks_are_found():
    readme = python_blocks("README.md")
    assert readme and "model.fit" in readme[0][2]
    assert code_blocks("```python\nx = 1\n```\n```python no-run\ny\n```\n```text\nz\n```\n") == [
        (1, "python", "", "x = 1\n"), (4, "python", "no-run", "y\n"), (7, "text", "", "z\n")]


def test_skipped_blocks_are_rare():
    skipped = [f"{page}:{line}" for page in PAGES for line, options, _ in python_blocks(page)
               if options == "no-run"]
    assert len(skipped) <= MAX_NO_RUN, skipped
    for page in PAGES:
        for line, options, _ in python_blocks(page):
            assert options in ("", "no-run"), f"{page}:{line}: unknown option {options!r}"


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)])
def test_page_code_runs(page, tmp_path):
    blocks = [(line, source) for line, options, source in python_blocks(page) if options != "no-run"]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", RUNNER, page], input=json.dumps(blocks), text=True,
                            capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]


def test_the_documented_script_runs_under_minikeras_run(tmp_path):
    """docs/running-keras-code.md's `train.py`, run the way the page says: python -m minikeras run."""
    script = [source for _, _, source in python_blocks("docs/running-keras-code.md")
              if source.startswith("# train.py")]
    assert len(script) == 1
    (tmp_path / "train.py").write_text(script[0])
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "minikeras", "run", "train.py", "--epochs", "5"],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "trained 5 epochs with numpy" in result.stdout
