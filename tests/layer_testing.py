"""Gradient checks for layers: finite differences against autograd, on float64.

`check_layer_grads(layer, x)` checks the layer's output wrt each input, and wrt each trainable
weight bound through a `StatelessScope` (the mechanism `fit` uses). Create the layer with
`dtype="float64"` so its weights are float64 and finite differences are accurate.
"""
import numpy as onp
from autograd.test_util import check_grads

from minikeras.engine.variable import StatelessScope


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _call(layer, xs, is_list, training):
    return layer(xs if is_list else xs[0], training=training)


def check_layer_grads(layer, x, training=False):
    """Builds `layer` on `x` (an array or a list of arrays) and checks its gradients.

    (a) d output / d input, for each input in turn;
    (b) d output / d weight, for each trainable weight bound to a traced value with
        `StatelessScope`; each weight must also actually change the output (else the binding
        was ignored and both gradients would be a vacuous zero).
    Returns the layer's output on `x`.
    """
    is_list = isinstance(x, (list, tuple))
    xs = [onp.asarray(v, dtype="float64") for v in _as_list(x)]
    out = _call(layer, xs, is_list, training)  # builds the layer
    assert onp.asarray(out).dtype == onp.float64, f"{layer.name} output is {onp.asarray(out).dtype}"

    for i in range(len(xs)):
        def f_input(xi, i=i):
            return _call(layer, xs[:i] + [xi] + xs[i + 1:], is_list, training)
        check_grads(f_input, modes=["rev"], order=1)(xs[i])

    weights = layer.trainable_weights
    values = [w.numpy() for w in weights]
    for w in weights:
        assert w.dtype == "float64", f"weight {w.path} is {w.dtype}; create the layer with dtype='float64'"

    def f_weights(ws):
        with StatelessScope([(w, ws[k]) for k, w in enumerate(weights)]):
            return _call(layer, xs, is_list, training)

    noise = onp.random.default_rng(0)
    for k in range(len(weights)):
        bumped = values[:k] + [values[k] + noise.normal(size=values[k].shape)] + values[k + 1:]
        changed = onp.abs(onp.asarray(f_weights(bumped)) - onp.asarray(f_weights(values))).max()
        assert changed > 1e-8, f"output ignores the binding of weight {weights[k].path}"
    if weights:
        check_grads(f_weights, modes=["rev"], order=1)(values)
    return out
