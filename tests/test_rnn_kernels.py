"""The recurrent kernels in minikeras.ops.rnn_kernels against their plain compositions (values
and gradients, float32) and finite differences (float64); and the LSTM / GRU layers that use
them against the same layers forced onto the composition path."""
import numpy as np
import pytest
from autograd import grad
from autograd import numpy as anp
from autograd.test_util import check_grads

from minikeras import activations, layers
from minikeras.ops import nn
from minikeras.ops import rnn_kernels as K

RNG = np.random.default_rng(0)


def _normal(*shape, dtype="float32", scale=2.0):
    return RNG.normal(scale=scale, size=shape).astype(dtype)


def _same_values_and_grads(kernel, composed, args, weights):
    """kernel(*args) == composed(*args), and so are the gradients of sum(out * weights)."""
    np.testing.assert_allclose(kernel(*args), composed(*args), rtol=1e-6, atol=1e-7)
    for i in range(len(args)):
        def loss(f, i=i):
            return lambda v: anp.sum(f(*args[:i], v, *args[i + 1:]) * weights)
        g_kernel, g_composed = grad(loss(kernel))(args[i]), grad(loss(composed))(args[i])
        assert g_kernel.dtype == args[i].dtype
        np.testing.assert_allclose(g_kernel, g_composed, rtol=1e-6, atol=1e-7)


# --- time_step ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5, 4), (2, 4, 3, 2)])
def test_time_step_is_plain_indexing_values_and_gradients(shape):
    x = _normal(*shape)
    w = _normal(*((shape[0],) + shape[2:]))
    for t in (0, 2, shape[1] - 1):
        np.testing.assert_array_equal(K.time_step(x, t), x[:, t])
        g = grad(lambda v: anp.sum(K.time_step(v, t) * w))(x)
        np.testing.assert_array_equal(g, grad(lambda v: anp.sum(v[:, t] * w))(x))
        assert g.dtype == np.float32


def test_time_step_gradients_accumulate_over_steps_and_other_uses():
    x = _normal(3, 4, 2)

    def f(use):
        return lambda v: anp.sum(use(v, 1) * use(v, 3) + use(v, 1) ** 2) + anp.sum(anp.sin(v))
    np.testing.assert_allclose(grad(f(K.time_step))(x), grad(f(lambda v, t: v[:, t]))(x),
                               rtol=1e-6)
    check_grads(lambda v: anp.sum(anp.tanh(K.time_step(v, 1)) * K.time_step(v, 2)),
                modes=["rev"], order=1)(x.astype("float64"))


# --- LSTM ----------------------------------------------------------------------------------
def _lstm_gates_composed(x_t, hr):
    i, f, g, o = anp.split(x_t + hr, 4, axis=-1)
    return anp.concatenate([nn.sigmoid(i), nn.sigmoid(f), nn.tanh(g), nn.sigmoid(o)], axis=-1)


def _lstm_carry_composed(a, c):
    i, f, g, _ = anp.split(a, 4, axis=-1)
    return f * c + i * g


def _lstm_output_composed(a, tanh_c):
    return anp.split(a, 4, axis=-1)[3] * tanh_c


def test_lstm_kernels_match_their_compositions():
    x_t, hr, c = _normal(6, 12, scale=3.0), _normal(6, 12, scale=3.0), _normal(6, 3)
    a = K.lstm_gates(x_t, hr)
    _same_values_and_grads(K.lstm_gates, _lstm_gates_composed, (x_t, hr), _normal(6, 12))
    _same_values_and_grads(K.lstm_carry, _lstm_carry_composed, (a, c), _normal(6, 3))
    _same_values_and_grads(K.lstm_output, _lstm_output_composed, (a, np.tanh(c)), _normal(6, 3))


def test_lstm_kernels_finite_differences():
    x_t, hr, c = (_normal(4, 8, dtype="float64"), _normal(4, 8, dtype="float64"),
                  _normal(4, 2, dtype="float64"))
    a = K.lstm_gates(x_t, hr)
    check_grads(K.lstm_gates, modes=["rev"], order=1)(x_t, hr)
    check_grads(K.lstm_carry, modes=["rev"], order=1)(a, c)
    check_grads(K.lstm_output, modes=["rev"], order=1)(a, np.tanh(c))
    # a whole step through the kernels (the gate gradients arrive from two kernels)
    def step(x_t, hr, c):
        gates = K.lstm_gates(x_t, hr)
        return K.lstm_output(gates, nn.tanh(K.lstm_carry(gates, c)))
    check_grads(step, modes=["rev"], order=1)(x_t, hr, c)


# --- GRU -----------------------------------------------------------------------------------
def _gru_gates_composed(x_t, inner):
    x_z, x_r, x_h = anp.split(x_t, 3, axis=-1)
    h_z, h_r, h_h = anp.split(inner, 3, axis=-1)
    z, r = nn.sigmoid(x_z + h_z), nn.sigmoid(x_r + h_r)
    return anp.concatenate([z, r, nn.tanh(x_h + r * h_h)], axis=-1)


def _gru_output_composed(a, h):
    z, _, h_hat = anp.split(a, 3, axis=-1)
    return z * h + (1 - z) * h_hat


def test_gru_kernels_match_their_compositions():
    x_t, inner, h = _normal(5, 9, scale=3.0), _normal(5, 9, scale=3.0), _normal(5, 3)
    _same_values_and_grads(K.gru_gates, _gru_gates_composed, (x_t, inner), _normal(5, 9))
    a = K.gru_gates(x_t, inner)
    _same_values_and_grads(K.gru_output, _gru_output_composed, (a, h), _normal(5, 3))


def test_gru_kernels_finite_differences():
    x_t, inner, h = (_normal(4, 6, dtype="float64"), _normal(4, 6, dtype="float64"),
                     _normal(4, 2, dtype="float64"))
    check_grads(K.gru_gates, modes=["rev"], order=1)(x_t, inner)
    check_grads(K.gru_output, modes=["rev"], order=1)(K.gru_gates(x_t, inner), h)


# --- the layers: kernels vs composition path -------------------------------------------------
def _composed_tanh(x):
    return activations.tanh(x)  # not `activations.tanh` itself: the cell takes its composition path


@pytest.mark.parametrize("make", [
    lambda **kw: layers.LSTM(5, return_sequences=True, **kw),
    lambda **kw: layers.LSTM(5, go_backwards=True, dropout=0.2, recurrent_dropout=0.3, seed=1,
                             **kw),
    lambda **kw: layers.GRU(5, return_sequences=True, **kw),
    lambda **kw: layers.GRU(5, recurrent_dropout=0.3, seed=2, **kw),
], ids=["lstm", "lstm_dropout", "gru", "gru_dropout"])
def test_layers_give_the_same_numbers_as_their_composition_path(make):
    from minikeras.engine.random import set_random_seed
    x = _normal(4, 7, 3)
    mask = np.ones((4, 7), bool)
    mask[1, 5:] = False
    out, grads = [], []
    for kw in ({}, {"activation": _composed_tanh}):
        set_random_seed(7)
        layer = make(**kw)
        layer.build(x.shape)
        if not out:
            weights = layer.get_weights()
        layer.set_weights(weights)
        values = [v.value for v in layer.trainable_weights]

        def loss(vals):
            from minikeras.engine.variable import StatelessScope
            with StatelessScope(zip(layer.trainable_weights, vals)):
                return anp.sum(layer(x, mask=mask, training=True) ** 2)
        out.append(loss(values))
        grads.append(grad(loss)(values))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)
    for g_kernel, g_composed in zip(*grads):
        np.testing.assert_allclose(g_kernel, g_composed, rtol=1e-5, atol=1e-7)
