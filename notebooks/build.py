"""Builds notebooks/*.ipynb from the readable sources in notebooks/src/*.py.

A source is a Python file in the "percent" format (as Jupytext and VS Code read it):
    # %% [markdown]        starts a Markdown cell; its lines are comments ("# " is stripped)
    # %%                   starts a code cell
    # %load_ext minikeras  inside a code cell: an IPython line magic, written as a comment so the
                           source stays valid Python
Text before the first marker is the source's own docstring and is not copied.

The notebooks are written without outputs and with fixed cell ids, so rebuilding an unchanged
source gives a byte-identical file.

    python notebooks/build.py           # (re)write every notebook
    python notebooks/build.py --check   # exit 1 when a notebook differs from its source
"""
import argparse
import pathlib
import re
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "src"
MARKER = re.compile(r"^# %%(?: \[(markdown|md)\])?\s*$")
MAGIC = re.compile(r"^# (%[a-z_]+\b.*)$")
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def split_cells(text):
    """`[(kind, lines)]` in source order, kind "code" or "markdown"."""
    cells, kind, lines = [], None, []
    for line in text.splitlines():
        match = MARKER.match(line)
        if match:
            if kind is not None:
                cells.append((kind, lines))
            kind, lines = ("markdown" if match.group(1) else "code"), []
        elif kind is not None:
            lines.append(line)
    if kind is not None:
        cells.append((kind, lines))
    return cells


def _strip_blank(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _markdown(lines):
    out = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            raise ValueError(f"a markdown cell line must be a comment: {line!r}")
        out.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(out)


def _code(lines):
    return "\n".join(MAGIC.sub(r"\1", line) for line in lines)


def build_notebook(source_path):
    """The `nbformat` v4 notebook (no outputs) described by one percent-format source."""
    nb = nbformat.v4.new_notebook(metadata=METADATA)
    for i, (kind, lines) in enumerate(split_cells(source_path.read_text(encoding="utf-8"))):
        lines = _strip_blank(lines)
        if not lines:
            continue
        cell_id = f"{source_path.stem[:2]}-{i:02d}"
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(_markdown(lines), id=cell_id))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(_code(lines), id=cell_id))
    nbformat.validate(nb)
    return nb


def render(source_path):
    return nbformat.writes(build_notebook(source_path)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail when a notebook is missing or differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted(SOURCES.glob("*.py")):
        target = HERE / (source.stem + ".ipynb")
        text = render(source)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent)}")
    if stale:
        print(f"notebooks out of date with notebooks/src: {', '.join(stale)}; "
              "run `python notebooks/build.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
