"""The gradient of a scalar function of several arrays, as `fit` asks for it every batch.

`autograd.value_and_grad(f)(values)` boxes the list as one value and unpacks it with one traced
`container_take` per array (and, backwards, one `container_untake` zero-filled list per array).
`value_and_grads` gives each array its own root instead: the same backward pass (autograd's own
node VJPs, in autograd's order), with no packing operations.
"""
from autograd.core import VJPNode, add_outgrads, vspace
from autograd.tracer import isbox, new_box, toposort, trace_stack


def value_and_grads(fun, values):
    """(fun(values), [d fun / d value for each value]) for a scalar-valued `fun` of a list."""
    roots = [VJPNode.new_root() for _ in values]
    with trace_stack.new_trace() as trace:
        out = fun([new_box(v, trace, root) for v, root in zip(values, roots)])
        traced = isbox(out) and out._trace == trace
        value, end = (out._value, out._node) if traced else (out, None)
    if vspace(value).size != 1:
        raise TypeError("value_and_grads only applies to real scalar-output functions. "
                        f"Received an output of shape {getattr(value, 'shape', None)}.")
    grads = {}
    if end is not None:
        outgrads = {end: (vspace(value).ones(), False)}
        wanted = {id(root) for root in roots}
        for node in toposort(end):
            outgrad = outgrads.pop(node)
            if id(node) in wanted:
                grads[id(node)] = outgrad[0]
                continue
            for parent, ingrad in zip(node.parents, node.vjp(outgrad[0])):
                outgrads[parent] = add_outgrads(outgrads.get(parent), ingrad)
    return value, [grads[id(root)] if id(root) in grads else vspace(v).zeros()
                   for root, v in zip(roots, values)]
