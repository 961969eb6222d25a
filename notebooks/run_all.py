"""Executes every notebooks/*.ipynb in a fresh Jupyter kernel and checks what it shows.

For each notebook, in order:
  1. the committed file is valid nbformat v4, has no outputs, and matches its source in
     notebooks/src (`python notebooks/build.py` rebuilds it);
  2. every code cell runs in a fresh `python3` kernel (cwd notebooks/) within `--timeout` seconds;
     the first error stops the notebook with a message naming the notebook, the cell number and
     its first line, and the exception;
  3. the executed notebook has no error output, shows at least one plot (image/png), and its last
     code cell printed the marker line "NOTEBOOK OK ...";
  4. every progress bar looks right once rendered as Jupyter renders a stream (`\\b` and `\\r`
     overwrite): it was redrawn in place (the raw stream holds `\\r`), and each bar left on screen
     is a finished one ("45/45 ━━━━━━━━━━━━━━━━━━━━ ...").

    python notebooks/run_all.py                     # all notebooks
    python notebooks/run_all.py 02_cnn_digits       # some of them (name, stem or path)
    python notebooks/run_all.py --output-dir out/   # also keep the executed notebooks

Exits 1 when any notebook fails; the last line is "notebooks: N passed, N failed".
"""
import argparse
import os
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = pathlib.Path(__file__).resolve().parent
MARKER = "NOTEBOOK OK"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAR = re.compile(r"\d+/(\d+ ━|Unknown)")  # a progress bar, not a summary table's rule
FINISHED_BAR = re.compile(r"^\s*(\d+)/(\d+) ━+ ")

sys.path.insert(0, str(HERE))
import build  # noqa: E402  (notebooks/build.py, beside this file)


class NotebookFailure(Exception):
    """One notebook failed; the message says which notebook, which cell and why."""


def render_stream(text):
    """The text a notebook shows for a stream: `\\b` erases a character, `\\r` the line so far."""
    shown = []
    for line in text.split("\n"):
        chars = []
        for ch in line:
            if ch == "\b":
                if chars:
                    chars.pop()
            else:
                chars.append(ch)
        shown.append("".join(chars).rsplit("\r", 1)[-1])
    return "\n".join(shown)


def stream_text(cell, name="stdout"):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.output_type == "stream" and o.name == name)


def check_committed(path):
    """The committed notebook: valid v4, no outputs, same as its source in notebooks/src."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            raise NotebookFailure(f"{path.name}: cell {index} is committed with outputs; "
                                  "commit notebooks without outputs (python notebooks/build.py)")
    source = HERE / "src" / (path.stem + ".py")
    if not source.exists():
        raise NotebookFailure(f"{path.name}: no source notebooks/src/{source.name}")
    if build.render(source) != path.read_text(encoding="utf-8"):
        raise NotebookFailure(f"{path.name}: differs from notebooks/src/{source.name}; "
                              "run `python notebooks/build.py`")
    return nb


def _where(path, index, cell):
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"{path.name}, cell {index} (`{first.strip()[:70]}`)"


def execute(path, nb, timeout):
    """Runs the code cells one by one in a fresh kernel; returns per-cell seconds."""
    # log_level=ERROR: keep the kernel's own start-up warnings (e.g. about unencrypted local
    # TCP) out of the log; the cells' warnings still arrive as their stderr output.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(HERE)}})
    seconds = {}
    client.reset_execution_trackers()
    with client.setup_kernel():
        info = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            start = time.perf_counter()
            try:
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except CellExecutionError as error:
                raise NotebookFailure(f"{_where(path, index, cell)} raised "
                                      f"{error.ename}: {error.evalue}\n{error}") from None
            except CellTimeoutError:
                raise NotebookFailure(f"{_where(path, index, cell)} did not finish within "
                                      f"{timeout} s") from None
            except DeadKernelError as error:
                raise NotebookFailure(f"{_where(path, index, cell)}: the kernel died "
                                      f"({error})") from None
            seconds[index] = time.perf_counter() - start
    return seconds


def check_progress_bars(path, index, cell):
    """A live bar was redrawn in place and only finished bars remain on screen."""
    raw = stream_text(cell)
    if not BAR.search(ANSI.sub("", raw)):
        return 0
    if "\r" not in raw:
        raise NotebookFailure(f"{_where(path, index, cell)}: the progress bar was not redrawn "
                              "in place (no carriage return in the stream)")
    bars = [line for line in ANSI.sub("", render_stream(raw)).split("\n") if BAR.search(line)]
    for line in bars:
        match = FINISHED_BAR.match(line)
        if not match or match.group(1) != match.group(2):
            raise NotebookFailure(f"{_where(path, index, cell)}: a progress bar is left "
                                  f"unfinished or garbled on screen: {line!r}")
    return len(bars)


def check_outputs(path, nb):
    """No error output, at least one plot, finished progress bars, the marker in the last cell."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    plots, bars = 0, 0
    for index, cell in code:
        for output in cell.outputs:
            if output.output_type == "error":
                raise NotebookFailure(f"{_where(path, index, cell)} has an error output: "
                                      f"{output.ename}: {output.evalue}")
            if output.output_type in ("display_data", "execute_result"):
                plots += "image/png" in output.get("data", {})
        bars += check_progress_bars(path, index, cell)
        stderr = stream_text(cell, "stderr").strip()
        if stderr:
            print(f"   note: {_where(path, index, cell)} wrote to stderr: "
                  f"{stderr.splitlines()[-1][:200]}")
    if not plots:
        raise NotebookFailure(f"{path.name}: no plot (image/png output) was shown")
    index, last = code[-1]
    marker = [line for line in stream_text(last).splitlines() if line.startswith(MARKER)]
    if not marker:
        raise NotebookFailure(f"{_where(path, index, last)}: the last cell did not print "
                              f"a line starting with {MARKER!r}")
    return marker[-1], plots, bars


def run_notebook(path, timeout, output_dir):
    nb = check_committed(path)
    start = time.perf_counter()
    try:
        cell_seconds = execute(path, nb, timeout)
    finally:
        if output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, output_dir / path.name)
    marker, plots, bars = check_outputs(path, nb)
    total = time.perf_counter() - start
    slowest = max(cell_seconds, key=cell_seconds.get)
    return (f"{marker} | {total:.0f} s, slowest cell {slowest} ({cell_seconds[slowest]:.0f} s), "
            f"{plots} plot(s), {bars} progress bar(s)")


def _select(names):
    notebooks = sorted(HERE.glob("*.ipynb"))
    if not names:
        return notebooks
    chosen = []
    for name in names:
        stem = pathlib.Path(name).stem
        match = [p for p in notebooks if p.stem == stem or p.stem.startswith(stem)]
        if not match:
            raise SystemExit(f"no notebook matches {name!r} in {HERE}")
        chosen += [p for p in match if p not in chosen]
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names, stems or paths (default: all)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds allowed for one cell (default 600)")
    parser.add_argument("--output-dir", type=pathlib.Path, default=None,
                        help="write the executed notebooks (with outputs) here")
    args = parser.parse_args(argv)
    # The kernel imports minikeras from this checkout even when it is not pip-installed.
    repo = str(HERE.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)
    # Plots are shown inline, as in Jupyter, even when the caller's environment picks a backend.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    notebooks = _select(args.notebooks)
    if not notebooks:
        print(f"no notebooks found in {HERE}", file=sys.stderr)
        return 1
    failed = 0
    for path in notebooks:
        print(f"== {path.name}", flush=True)
        try:
            print(f"   {run_notebook(path, args.timeout, args.output_dir)}", flush=True)
        except NotebookFailure as failure:
            failed += 1
            print(f"FAILED {failure}", flush=True)
    print(f"notebooks: {len(notebooks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
