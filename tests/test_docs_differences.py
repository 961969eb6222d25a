"""docs/differences.md stays true: every entry carries a check that the rendered page hides.

Each entry is a top-level `- ` bullet followed by one or more HTML comments (invisible on the
rendered page, so a reader sees plain prose):

    <!-- check: CODE -->              CODE runs without error (it asserts what the entry says)
    <!-- raises ValueError: CODE -->  CODE raises that exception (a builtin exception name)

CODE is Python: one line, or several lines (the comment spanning them). It runs with `keras`
(minikeras itself, no import hooks), `np`, and the helpers `printed`, `warned`, `absent` and
`run_installed` defined below. Every bullet must carry at least one check.
"""
import builtins
import contextlib
import io
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import minikeras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "differences.md")
MARKER = re.compile(r"<!--\s*(check|raises\s+(\w+))\s*:(.*?)-->", re.S)


def printed(fn):
    """What `fn()` prints to stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    return out.getvalue()


def warned(fn):
    """The text of the warnings `fn()` issues, joined."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return "\n".join(str(w.message) for w in caught)


def absent(module, *names):
    """True when `module` has none of `names`; otherwise fails naming the ones it has."""
    present = [n for n in names if hasattr(module, n)]
    assert not present, f"now implemented, update docs/differences.md: {present}"
    return True


def run_installed(source):
    """Runs `source` in a fresh Python after `minikeras.install()`; returns stdout + stderr."""
    code = "import minikeras\nminikeras.install()\n" + source
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    return result.stdout + result.stderr


def entries(text):
    """`(line, bullet text)` for each top-level bullet with its continuation lines."""
    out, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("- "):
            current = [number, line]
            out.append(current)
        elif current is not None and (line.startswith(" ") or line.startswith("<!--")):
            current[1] += "\n" + line
        else:
            current = None
    return [tuple(e) for e in out]


def checks(text):
    """`(line, exception name or None, code)` for each marker in the page."""
    found = []
    for line, bullet in entries(text):
        for match in MARKER.finditer(bullet):
            code = textwrap.dedent(match.group(3).strip("\n")).strip()
            found.append((line, match.group(2), code))
    return found


def _page():
    with open(PAGE, encoding="utf-8") as f:
        return f.read()


CHECKS = checks(_page())


def test_every_entry_is_checked():
    unchecked = [line for line, bullet in entries(_page()) if not MARKER.search(bullet)]
    assert not unchecked, f"docs/differences.md entries without a check at lines {unchecked}"
    assert len(CHECKS) >= 20


def test_markers_are_parsed():
    text = ("- Prose.\n  <!-- check: assert 1 -->\n- More.\n  <!-- raises KeyError:\n"
            "  d = {}\n  d['x']\n  -->\nAfter.\n")
    assert checks(text) == [(1, None, "assert 1"), (3, "KeyError", "d = {}\nd['x']")]


@pytest.mark.parametrize("line,exception,code", CHECKS, ids=[f"line{c[0]}" for c in CHECKS])
def test_documented_behaviour(line, exception, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # checks that save files write them here
    namespace = {"keras": minikeras, "np": np, "printed": printed, "warned": warned,
                 "absent": absent, "run_installed": run_installed}
    compiled = compile(code, f"docs/differences.md:{line}", "exec")
    if exception is None:
        exec(compiled, namespace)
    else:
        with pytest.raises(getattr(builtins, exception)):
            exec(compiled, namespace)
