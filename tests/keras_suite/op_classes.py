"""Keras's internal op classes (`knp.Add()`, `knp.Sum(axis=1)`, `kmath.TopK(2)`) for Keras's ops
tests, mapped onto minikeras's public op functions.

In Keras every op function is a thin front for an `Operation` subclass: static arguments go to
the class's `__init__`, tensors to its `call`, and `symbolic_call` / `compute_output_spec` give a
KerasTensor (also for concrete inputs). minikeras has only the functions. This module reads, from
Keras's *source* (never running it), which function fronts each class and the parameter names of
the class's `__init__` and `call`; an instance then binds its arguments to those names and calls
the minikeras function by keyword. Nothing here computes an op: a missing function stays missing.
"""
import ast
import functools
import importlib
import inspect
import os

import numpy as np


@functools.lru_cache(maxsize=None)
def _keras_classes(source_root, module):
    """{class name: (function name, init params, call params)} for keras/src/ops/<module>.py."""
    path = os.path.join(source_root, "keras", "src", "ops", f"{module}.py")
    if not os.path.isfile(path):
        return {}
    tree = ast.parse(open(path).read())
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    fronts = {}  # class name -> the function that makes it: `Add().symbolic_call(...)`, `Cast(...)(x)`
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                        call.func.id in defined:
                    fronts.setdefault(call.func.id, node.name)
    classes = {}
    aliases = {node.targets[0].id: node.value.id for node in tree.body  # `Abs = Absolute`
               if isinstance(node, ast.Assign) and len(node.targets) == 1 and
               isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Name) and
               node.value.id in defined}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef)}
            front = fronts.get(node.name) or _snake(node.name)  # `Conj`: conj() calls conjugate()
            classes[node.name] = (front, _params(methods.get("__init__")), _params(methods.get("call")))
    for alias, target in aliases.items():
        classes.setdefault(alias, classes[target])
    return classes


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _params(method):
    """(positional names, keyword-only names, varargs name) of a method, `self` and `name` left out."""
    if method is None:
        return None
    args = method.args
    positional = [a.arg for a in args.posonlyargs + args.args][1:]
    keyword_only = [a.arg for a in args.kwonlyargs if a.arg != "name"]
    return [p for p in positional if p != "name"], keyword_only, args.vararg and args.vararg.arg


def _bind(params, args, kwargs):
    positional, keyword_only, varargs = params
    bound = dict(zip(positional, args))
    extra = list(args[len(positional):])
    if extra and not varargs:
        raise TypeError(f"too many positional arguments: {args}")
    bound.update(kwargs)
    return bound, extra


def _call_positionally(fn, named, rest):
    """fn(...) with its positional parameters taken by name from `named`, else in order from
    `rest`, which then fills a `*args` parameter (`einsum(subscripts, *operands)`)."""
    rest, positional = list(rest), []
    for p in inspect.signature(inspect.unwrap(fn)).parameters.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            positional += rest
            rest = []
        elif p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            if p.name in named:
                positional.append(named.pop(p.name))
            elif rest:
                positional.append(rest.pop(0))
    return fn(*positional, *rest, **named)


def _symbolic(x):
    """A concrete tensor as a KerasTensor of its shape and dtype (lists and tuples element-wise)."""
    from minikeras.engine.keras_tensor import KerasTensor
    if isinstance(x, (list, tuple)):
        return type(x)(_symbolic(e) for e in x)
    if isinstance(x, KerasTensor) or x is None or isinstance(x, (bool, int, float, str)):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        dtype = x.dtype if isinstance(x.dtype, str) else np.dtype(x.dtype).name
        return KerasTensor(tuple(x.shape), dtype)
    return x


def op_class(source_root, module_name, class_name):
    """The stand-in for `keras.src.ops.<module>.<class_name>`, or None when Keras has no such
    op class or minikeras lacks its function."""
    module = module_name.rsplit(".", 1)[-1]
    if module == "ops":  # `keras.src.ops.Unstack`: the package re-exports every module's classes
        for module in ("core", "numpy", "math", "linalg", "nn", "image"):
            if class_name in _keras_classes(source_root, module):
                break
    info = _keras_classes(source_root, module).get(class_name)
    if info is None or info[0] is None:
        return None
    function_name, init_params, call_params = info
    ours = importlib.import_module(f"minikeras.ops.{module}")
    fn = getattr(ours, function_name, None) or getattr(importlib.import_module("minikeras.ops"),
                                                       function_name, None)
    if fn is None:
        return None

    class Op:
        def __init__(self, *args, name=None, **kwargs):
            self.name = name
            self._statics, extra = _bind(init_params or ([], [], None), args, kwargs)
            if extra:
                raise TypeError(f"{class_name}() got unexpected arguments {extra}")
            for key, value in self._statics.items():  # Keras's ops keep their arguments
                if not hasattr(type(self), key):
                    setattr(self, key, value)

        def __call__(self, *args, **kwargs):
            if call_params is None:  # an inherited `call` (`class Conj(Conjugate)`): pass through
                return fn(*args, **kwargs, **self._statics)
            tensors, varargs = _bind(call_params, args, kwargs)
            if varargs:  # `call(self, *operands)`: fill the function's positional parameters
                return _call_positionally(fn, {**tensors, **self._statics}, varargs)
            return fn(**tensors, **self._statics)

        def symbolic_call(self, *args, **kwargs):
            args = tuple(_symbolic(a) for a in args)
            kwargs = {k: _symbolic(v) for k, v in kwargs.items()}
            return self(*args, **kwargs)

        call = __call__
        compute_output_spec = symbolic_call

    Op.__name__ = Op.__qualname__ = class_name
    Op.__module__ = module_name
    return Op
