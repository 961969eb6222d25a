"""Writes docs/api.md, the API reference, from the code: `python docs/gen_api.py`.

Every public name of minikeras and of its namespaces (`minikeras.layers`, `minikeras.ops`, ...)
is listed with its signature and the first paragraph of its docstring, joined into one line.

A public name is one a module offers without a leading underscore: its `__all__` when it has
one; otherwise, for a package (`minikeras.layers`) or a module in REEXPORTS, every class or
function it holds that minikeras defines (so `numpy` or autograd's `getval` are left out), and for
any other module (`minikeras.initializers`) only what it defines itself: a name it imports for its
own use (`Variable` in `minikeras.initializers`) is not part of its API. Modules inside a namespace are
implementation files (`minikeras.layers.core`) and are skipped, except the sub-namespaces listed
in SUB_NAMESPACES. Constants (`__version__`, `ALL_OBJECTS`) are not listed. A second name for the
same object (`Convolution2D` for `Conv2D`) is listed as an alias. For the classes in
METHOD_CLASSES the public methods are listed too, under the top-level `minikeras` namespace.

tests/test_docs_api.py fails when docs/api.md differs from what this writes, or when a listed
name (or method) has no docstring.
"""
import importlib
import inspect
import os
import re
import sys
import types

NAMESPACES = (
    "", "layers", "models", "ops", "activations", "losses", "metrics", "optimizers",
    "optimizers.schedules", "callbacks", "initializers", "regularizers", "constraints", "saving",
    "utils", "utils.legacy", "datasets", "backend", "config", "preprocessing", "random", "dtype_policies",
    "mixed_precision", "tree",
)
# Namespaces whose public submodules are namespaces too (keras.datasets.mnist,
# keras.preprocessing.sequence); a datasets submodule counts when it has `load_data`.
SUB_NAMESPACES = {"datasets": "load_data", "preprocessing": None}
# Plain modules that re-export on purpose (keras.config.floatx, keras.backend.epsilon, ...);
# "x.*" covers every sub-namespace of x (keras.preprocessing.sequence.pad_sequences).
REEXPORTS = ("config", "backend", "random", "preprocessing.*", "mixed_precision")
METHOD_CLASSES = ("Layer", "Model", "Variable")
HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "api.md")


def module_name(namespace):
    return "minikeras" + ("." + namespace if namespace else "")


def namespaces():
    """Every namespace, sub-namespaces (datasets.mnist, ...) after their parent."""
    out = []
    for ns in NAMESPACES:
        out.append(ns)
        if ns in SUB_NAMESPACES:
            module = importlib.import_module(module_name(ns))
            for name in sorted(dir(module)):
                sub = getattr(module, name)
                wanted = SUB_NAMESPACES[ns]
                if (not name.startswith("_") and isinstance(sub, types.ModuleType)
                        and sub.__name__ == f"{module.__name__}.{name}"
                        and (wanted is None or hasattr(sub, wanted))):
                    out.append(f"{ns}.{name}")
    return out


def _defined_in_minikeras(obj):
    return (inspect.isclass(obj) or callable(obj)) and \
        (getattr(obj, "__module__", None) or "").startswith("minikeras")


def _exports_imports(module):
    name = module.__name__
    return hasattr(module, "__path__") or any(
        name.startswith(module_name(n[:-2]) + ".") if n.endswith(".*") else name == module_name(n)
        for n in REEXPORTS)


def public_names(module):
    """`(name, object)` for each public class or function of `module`, sorted by name."""
    names = getattr(module, "__all__", None)
    own_only = names is None and not _exports_imports(module)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    out = []
    for name in names:
        try:
            obj = getattr(module, name)
        except AttributeError:  # listed by dir() or __all__ but missing: see broken_exports()
            continue
        if isinstance(obj, types.ModuleType) or not _defined_in_minikeras(obj):
            continue
        if own_only and getattr(obj, "__module__", None) != module.__name__:
            continue
        out.append((name, obj))
    return sorted(out, key=lambda item: item[0].lower())


def broken_exports():
    """`minikeras.x.Name` for each name a namespace lists (dir or __all__) but cannot give."""
    broken = []
    for ns in namespaces():
        module = importlib.import_module(module_name(ns))
        for name in getattr(module, "__all__", None) or [n for n in dir(module) if n[0] != "_"]:
            try:
                getattr(module, name)
            except AttributeError:
                broken.append(f"{module_name(ns)}.{name}")
    return broken


def own_doc(obj):
    """The first paragraph of `obj`'s own docstring as one line ("" when it has none)."""
    doc = obj.__doc__ if isinstance(obj, property) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return ""
    paragraph = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def signature(obj):
    """`(arg, kw=default, ...)` without private `_arguments`, and with object addresses removed
    so the output is stable."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    sig = sig.replace(parameters=[p for p in sig.parameters.values() if not p.name.startswith("_")])
    return re.sub(r" at 0x[0-9a-fA-F]+", "", str(sig))


def methods(cls):
    """Public methods of `cls` from its minikeras classes, stopping at a base class that is
    listed with its own methods (Model lists Trainer's and its own, not Layer's)."""
    found = {}
    for klass in reversed(cls.__mro__):
        if (klass.__module__ or "").startswith("minikeras") and not (
                klass is not cls and klass.__name__ in METHOD_CLASSES):
            found.update(vars(klass))
    return [(name, fn) for name, fn in sorted(found.items())
            if not name.startswith("_") and inspect.isfunction(fn)
            and (fn.__module__ or "").startswith("minikeras")]


def entries(namespace):
    """`(name, obj, signature, description, alias_of, methods)` for each public name."""
    module = importlib.import_module(module_name(namespace))
    items = public_names(module)
    first_name = {}  # the name each object is listed under; any other name is an alias
    for name, obj in items:
        if getattr(obj, "__name__", None) == name:
            first_name.setdefault(id(inspect.unwrap(obj)), name)
    for name, obj in items:
        first_name.setdefault(id(inspect.unwrap(obj)), name)
    out = []
    for name, obj in items:
        alias_of = first_name[id(inspect.unwrap(obj))]
        alias_of = alias_of if alias_of != name else None
        meths = []
        if inspect.isclass(obj) and name in METHOD_CLASSES and not namespace and not alias_of:
            meths = [(m, signature(fn).replace("(self, ", "(").replace("(self)", "()"),
                      own_doc(fn), fn.__module__) for m, fn in methods(obj)]
        out.append((name, obj, signature(obj), own_doc(obj), alias_of, meths))
    return out


def undocumented():
    """`(minikeras.x.Name or ...Name.method, defining module)` for each listed name without a
    docstring."""
    missing = []
    for ns in namespaces():
        for name, obj, _, doc, alias_of, meths in entries(ns):
            full = f"{module_name(ns)}.{name}"
            if not doc and alias_of is None:
                missing.append((full, getattr(obj, "__module__", "")))
            missing += [(f"{full}.{m}", where) for m, _, d, where in meths if not d]
    return missing


def _anchor(title):
    return re.sub(r"[^a-z0-9_ -]", "", title.lower()).replace(" ", "-")


def render():
    """The text of docs/api.md."""
    sections = namespaces()
    lines = [
        "# API reference",
        "",
        "<!-- Generated by docs/gen_api.py from the code; do not edit by hand. -->",
        "Every public name of minikeras, with its signature and the first line of its docstring,",
        "generated from the code by `python docs/gen_api.py`. After `minikeras.install()` the same",
        "names are `keras.layers.Dense`, `keras.ops.matmul`, ... Classes are shown with their",
        "constructor's arguments; `Layer`, `Model` and `Variable` with their methods too.",
        "Constants (`minikeras.__version__`) are not listed.",
        "",
    ]
    lines += [f"- [`{module_name(ns)}`](#{_anchor(module_name(ns))})" for ns in sections]
    for ns in sections:
        lines += ["", f"## {module_name(ns)}", ""]
        module = importlib.import_module(module_name(ns))
        summary = own_doc(module)
        if summary:
            lines += [summary, ""]
        for name, obj, sig, doc, alias_of, meths in entries(ns):
            kind = "class " if inspect.isclass(obj) else ""
            if alias_of:
                lines.append(f"- {kind}`{name}` — alias of `{alias_of}`.")
                continue
            lines.append(f"- {kind}`{name}{sig}` — {doc}")
            lines += [f"  - `.{m}{s}` — {d}" for m, s, d, _ in meths]
    return "\n".join(lines) + "\n"


def main():
    sys.path.insert(0, os.path.dirname(HERE))
    text = render()
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    missing = undocumented()
    print(f"wrote {OUTPUT} ({text.count(chr(10))} lines)")
    for name, where in missing:
        print(f"undocumented: {name}  ({where})")
    for name in broken_exports():
        print(f"broken export (listed but missing): {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
