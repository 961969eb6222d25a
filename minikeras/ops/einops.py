"""`keras.ops.rearrange`: einops-style axis rearrangement ("b h w c -> b (h w) c")."""
import re

from autograd import numpy as anp

from minikeras.ops.promotion import _as_tensor
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def _groups(side):
    """"b (h w) c" -> [["b"], ["h", "w"], ["c"]]."""
    return [re.findall(r"\w+", token) for token in re.findall(r"\(.*?\)|\w+", side)]


def _sizes(input_groups, shape, axes_lengths):
    """Each named axis's size: from the input shape, or from `axes_lengths` for axes composed in
    one input dimension (one of them may be left out and is inferred)."""
    if len(input_groups) != len(shape):
        raise ValueError(f"rearrange: the pattern names {len(input_groups)} input axes but the "
                         f"tensor has shape {shape}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(input_groups, shape):
        if len(group) == 1:
            sizes.setdefault(group[0], dim)
            continue
        unknown = [a for a in group if a not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown}; pass them as "
                             "keyword arguments.")
        known = 1
        for a in group:
            known *= sizes[a] if a in sizes else 1
        if unknown:
            sizes[unknown[0]] = None if dim is None else dim // known
    return sizes


def rearrange(tensor, pattern, **axes_lengths):
    """`tensor` with its axes split, permuted and merged as `pattern` says, e.g.
    `rearrange(x, "b (h w) c -> b h w c", h=4)`."""
    x = _as_tensor(tensor)
    left, right = re.split(r"\s*->\s*", pattern)
    input_groups, output_groups = _groups(left), _groups(right)
    sizes = _sizes(input_groups, anp.shape(x), axes_lengths)
    names = [a for group in input_groups for a in group]
    if sorted(names) != sorted(a for group in output_groups for a in group):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes.")
    x = anp.reshape(x, [sizes[a] for a in names])  # one axis per name
    x = anp.transpose(x, [names.index(a) for group in output_groups for a in group])
    out_shape = []
    for group in output_groups:
        size = 1
        for a in group:
            size *= sizes[a]
        out_shape.append(size)
    return anp.reshape(x, out_shape)


__all__ = ["rearrange"]

_wrap_namespace(globals())  # on a KerasTensor it records a graph node (functional API)
