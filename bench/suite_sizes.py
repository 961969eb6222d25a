"""Installed sizes for bench/suite.py: minikeras's tree and each stack with its dependencies.

Bytecode is counted everywhere: pip compiles on install and lists the .pyc files in RECORD, so
minikeras's own tree is measured as source plus the bytecode it compiles to.
"""
import importlib.metadata
import importlib.util
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACKS = {"minikeras + deps": ("minikeras",), "keras + jax stack": ("keras", "jax", "jaxlib"),
          "keras + torch stack": ("keras", "torch")}


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires(dist):
    """Names of a distribution's unconditional requirements (extras left out)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    for line in dist.requires or []:
        if Requirement is not None:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                yield req.name
        elif "extra" not in line.partition(";")[2]:
            yield re.match(r"[A-Za-z0-9._-]+", line).group()


def dependency_closure(names):
    """{normalized name: Distribution} of `names` and everything they require, installed ones only."""
    found, todo = {}, list(names)
    while todo:
        name = todo.pop()
        if _norm(name) in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[_norm(name)] = dist
        todo.extend(_requires(dist))
    return found


def pyproject_dependencies():
    """minikeras's `[project] dependencies` names (an installed copy's metadata can be stale)."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M).group(1)
    return [re.match(r"[A-Za-z0-9._-]+", spec).group() for spec in re.findall(r'"([^"]+)"', block)]


def dist_size(dist):
    """Bytes of the files a distribution installed (its RECORD, bytecode included)."""
    total = 0
    for f in dist.files or []:
        path = dist.locate_file(f)
        if os.path.isfile(path):
            total += os.path.getsize(path)
    return total


def dir_size(path, skip_bytecode=False):
    total = 0
    for root, dirs, files in os.walk(path):
        if skip_bytecode:
            dirs[:] = [d for d in dirs if d != "__pycache__"]
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def bytecode_size(path):
    """Bytes the .pyc files of a source tree take once compiled (as pip does on install)."""
    import marshal
    total = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name), "rb") as f:
                    code = compile(f.read(), os.path.join(root, name), "exec")
                total += 16 + len(marshal.dumps(code))  # 16-byte pyc header + code object
    return total


def sizes():
    """Installed sizes in MB: minikeras itself, and each stack with its dependencies (bytecode
    included everywhere: pip compiles on install and lists the .pyc files in RECORD)."""
    mb = 1e6
    pkg = os.path.join(ROOT, "minikeras")
    source = dir_size(pkg, skip_bytecode=True)
    own = source + bytecode_size(pkg)
    out = {"minikeras package (source)": source / mb,
           "minikeras package (with bytecode)": own / mb, "stacks": {}}
    for label, roots in STACKS.items():
        if any(importlib.util.find_spec(r) is None for r in roots if r != "minikeras"):
            out["stacks"][label] = None
            continue
        if "minikeras" in roots:  # the tree itself, and the requirements pyproject.toml declares
            closure = dependency_closure(pyproject_dependencies())
            parts = {name: dist_size(d) / mb for name, d in sorted(closure.items())}
            parts["minikeras"] = own / mb
        else:
            parts = {name: dist_size(d) / mb for name, d in sorted(dependency_closure(roots).items())}
        out["stacks"][label] = {"total": sum(parts.values()), "parts": parts}
    return out
