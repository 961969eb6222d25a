"""Kernels for the recurrent layers: primitives with direct gradients, so that one time step
records a handful of traced operations (each costs tens of microseconds, forward and backward)
instead of about twenty. Each computes exactly what its composition in the docstring computes,
in the same order (tests/test_rnn_kernels.py checks values and gradients against it).

- `time_step(x, t)` = `x[:, t]`. autograd's own gradient of indexing scatters with `np.add.at`
  into a fresh zero array, and splitting the sequence into a list of T steps makes each step's
  gradient rebuild the T-element list; here the gradient adds into column t in place.
- LSTM (gates in Keras's order i, f, g, o; x_t = x @ kernel + bias, hr = h @ recurrent_kernel):
  `lstm_gates(x_t, hr)` = [σ(i), σ(f), tanh(g), σ(o)] of [i, f, g, o] = x_t + hr;
  `lstm_carry(a, c)` = a_f * c + a_i * a_g;  `lstm_output(a, tanh_c)` = a_o * tanh_c.
- GRU with reset_after (x_t = x @ kernel + b_in, inner = h @ recurrent_kernel + b_rec):
  `gru_gates(x_t, inner)` = [σ(x_z + i_z), σ(x_r + i_r), tanh(x_h + r * i_h)];
  `gru_output(a, h)` = z * h + (1 - z) * ĥ.
A gradient that touches only some gate columns is added into them in place (autograd's
`SparseObject`), so no zero-padded copy of the gates is built.
"""
import numpy as onp
from autograd.extend import SparseObject, defvjp, defvjp_argnums, primitive, vspace

from minikeras.ops.nn import _sigmoid_value


def _add_into(like, index, g):
    """A gradient for an array shaped like `like` that is `g` at `index` and zero elsewhere."""
    def mut_add(total):
        total[index] += g
        return total
    return SparseObject(vspace(like), mut_add)


# --- time steps ------------------------------------------------------------------------------
@primitive
def time_step(x, t):
    """`x[:, t]`: step t of a (batch, time, ...) sequence."""
    return x[:, t]


defvjp(time_step, lambda ans, x, t: lambda g: _add_into(x, (slice(None), t), g))


# --- LSTM ------------------------------------------------------------------------------------
@primitive
def lstm_gates(x_t, hr):
    """[σ(i), σ(f), tanh(g), σ(o)] for [i, f, g, o] = x_t + hr, both (batch, 4 * units)."""
    z = x_t + hr
    u = z.shape[-1] // 4
    a = _sigmoid_value(z, out=z)  # one call on all four blocks is faster than two on strided views
    onp.tanh(x_t[:, 2 * u:3 * u] + hr[:, 2 * u:3 * u], out=a[:, 2 * u:3 * u])
    return a


def _lstm_gates_vjp(g, a):
    """σ' = g * a * (1 - a) on i, f, o; tanh' = g * (1 - a * a) on g."""
    u = a.shape[-1] // 4
    dz = g * a
    dz *= 1.0 - a
    g_g, a_g = g[:, 2 * u:3 * u], a[:, 2 * u:3 * u]
    onp.multiply(g_g, 1.0 - a_g * a_g, out=dz[:, 2 * u:3 * u])
    return dz


defvjp_argnums(lstm_gates, lambda argnums, ans, args, kwargs: lambda g: (
    _lstm_gates_vjp(g, ans),) * len(argnums))  # z = x_t + hr: both get d z


@primitive
def lstm_carry(a, c):
    """The new cell state `f * c + i * g` from the activated gates a = [i, f, g, o]."""
    u = c.shape[-1]
    return a[:, u:2 * u] * c + a[:, :u] * a[:, 2 * u:3 * u]


def _lstm_carry_vjp_gates(gc, a, c):
    u = c.shape[-1]
    d_ifg = onp.concatenate([a[:, 2 * u:3 * u] * gc, c * gc, a[:, :u] * gc], axis=-1)
    return _add_into(a, (slice(None), slice(0, 3 * u)), d_ifg)


defvjp(lstm_carry, lambda ans, a, c: lambda gc: _lstm_carry_vjp_gates(gc, a, c),
       lambda ans, a, c: lambda gc: a[:, c.shape[-1]:2 * c.shape[-1]] * gc)


@primitive
def lstm_output(a, tanh_c):
    """The new hidden state `o * tanh(c)` from the activated gates a = [i, f, g, o]."""
    return a[:, 3 * tanh_c.shape[-1]:] * tanh_c


defvjp(lstm_output,
       lambda ans, a, tanh_c: lambda gh: _add_into(
           a, (slice(None), slice(3 * tanh_c.shape[-1], None)), tanh_c * gh),
       lambda ans, a, tanh_c: lambda gh: a[:, 3 * tanh_c.shape[-1]:] * gh)


# --- GRU (reset_after) -----------------------------------------------------------------------
@primitive
def gru_gates(x_t, inner):
    """[z, r, ĥ] = [σ(x_z + i_z), σ(x_r + i_r), tanh(x_h + r * i_h)] (batch, 3 * units)."""
    u = x_t.shape[-1] // 3
    z_r = _sigmoid_value(x_t[:, :2 * u] + inner[:, :2 * u])
    return onp.concatenate([z_r, onp.tanh(x_t[:, 2 * u:] + z_r[:, u:] * inner[:, 2 * u:])], axis=-1)


def _gru_gates_vjp(g, a, inner):
    """(d x_t, d inner) through tanh, the reset product and the two sigmoids."""
    u = a.shape[-1] // 3
    r, h_hat, i_h = a[:, u:2 * u], a[:, 2 * u:], inner[:, 2 * u:]
    d_h = g[:, 2 * u:] * (1.0 - h_hat * h_hat)
    g_zr = g[:, :2 * u].copy()
    g_zr[:, u:] += i_h * d_h  # the reset gate's gradient through r * i_h
    d_zr = g_zr * a[:, :2 * u]
    d_zr *= 1.0 - a[:, :2 * u]
    return onp.concatenate([d_zr, d_h], axis=-1), onp.concatenate([d_zr, r * d_h], axis=-1)


def _gru_gates_vjp_maker(argnums, ans, args, kwargs):
    def vjp(g):
        grads = _gru_gates_vjp(g, ans, args[1])
        return tuple(grads[i] for i in argnums)
    return vjp


defvjp_argnums(gru_gates, _gru_gates_vjp_maker)


@primitive
def gru_output(a, h):
    """The new state `z * h + (1 - z) * ĥ` from the activated gates a = [z, r, ĥ]."""
    u = h.shape[-1]
    z = a[:, :u]
    return z * h + (1 - z) * a[:, 2 * u:]


def _gru_output_vjp_gates(gh, a, h):
    """d z = h * gh - ĥ * gh (from z * h and the -z of 1 - z); d ĥ = (1 - z) * gh; d r = 0."""
    u = h.shape[-1]
    d_a = onp.zeros_like(a)
    onp.subtract(h * gh, a[:, 2 * u:] * gh, out=d_a[:, :u])
    onp.multiply(1 - a[:, :u], gh, out=d_a[:, 2 * u:])
    return d_a


defvjp(gru_output, lambda ans, a, h: lambda gh: _gru_output_vjp_gates(gh, a, h),
       lambda ans, a, h: lambda gh: a[:, :h.shape[-1]] * gh)
