"""`keras.backend` (`from keras import backend as K`): the Keras 2 backend functions old
tutorials call, with Keras 2 signatures (`axis=None, keepdims=False`).

Every maths function is differentiable: it accepts numpy arrays, traced autograd values and
Variables, so `def custom_activation(x): return x * K.sigmoid(x)` trains inside a layer.
"""
import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import is_traced, untraced

from minikeras import activations
from minikeras import random as _random
from minikeras.engine.config import (  # noqa: F401  (re-exported)
    epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format)
from minikeras.engine.dtypes import (  # noqa: F401  (re-exported)
    is_float_dtype, is_int_dtype, result_type, standardize_dtype)
from minikeras.utils.global_state import clear_session  # noqa: F401  (re-exported)
from minikeras.engine.keras_tensor import is_keras_tensor  # noqa: F401  (re-exported)
from minikeras.engine.variable import Variable
from minikeras.utils.naming import get_uid  # noqa: F401  (re-exported)
from minikeras.engine.variable import read_value as _read, read_values as _read_all


def backend():
    """The name of the backend: minikeras always computes with numpy."""
    return "numpy"


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# --- creation and inspection -------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding `value` (floatx unless `dtype` is given)."""
    return Variable(onp.asarray(untraced(_read(value))), dtype=dtype or floatx(), name=name,
                    constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """An array of `value` (broadcast to `shape` when given), floatx by default."""
    out = onp.asarray(value, dtype=dtype or floatx())
    return onp.broadcast_to(out, shape).copy() if shape is not None else out


def zeros(shape, dtype=None, name=None):
    """An all-zeros Variable (Keras 2 returned a variable here)."""
    return Variable(onp.zeros(shape, dtype=dtype or floatx()), name=name)


def ones(shape, dtype=None, name=None):
    """An all-ones Variable."""
    return Variable(onp.ones(shape, dtype=dtype or floatx()), name=name)


def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape (and dtype, unless given) of `x`."""
    return onp.zeros(shape(x), dtype=dtype or onp.result_type(untraced(_read(x))))


def ones_like(x, dtype=None, name=None):
    """Ones with the shape (and dtype, unless given) of `x`."""
    return onp.ones(shape(x), dtype=dtype or onp.result_type(untraced(_read(x))))


def get_value(x):
    """The numpy value of a Variable (or of an array)."""
    return x.numpy() if isinstance(x, Variable) else onp.asarray(untraced(x))


def batch_get_value(tensors):
    """The numpy values of several Variables, as a list."""
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Assigns `value` to the Variable `x` (e.g. an optimizer's learning rate)."""
    x.assign(onp.asarray(value, dtype=x.dtype))


def batch_set_value(tuples):
    """Assigns each `(variable, value)` pair of `tuples`."""
    for x, value in tuples:
        set_value(x, value)


def shape(x):
    """The concrete shape of `x`, as a tuple of ints (so `K.shape(x)[0]` is the batch size)."""
    return tuple(anp.shape(_read(x)))


def int_shape(x):
    """The shape as a tuple of ints or `None` (for symbolic tensors), without evaluating."""
    return tuple(x.shape) if hasattr(x, "shape") else tuple(onp.shape(x))


def ndim(x):
    """The number of axes of `x`."""
    return len(int_shape(x))


def dtype(x):
    """The dtype name of `x` (float32, int32, ...)."""
    return standardize_dtype(getattr(x, "dtype", None) or onp.result_type(x))


def count_params(x):
    """The number of elements of `x` (a Variable's weight count)."""
    return int(onp.prod(int_shape(x)))


def cast(x, dtype):
    """`x` converted to `dtype`."""
    x = _read(x)
    return x.astype(dtype) if is_traced(x) or isinstance(x, onp.ndarray) else onp.asarray(x, dtype=dtype)


# --- element-wise maths ------------------------------------------------------------------
def exp(x): "e^x."; return anp.exp(_read(x))
def log(x): "Natural logarithm of x."; return anp.log(_read(x))
def abs(x): "|x|."; return anp.abs(_read(x))
def square(x): "x^2."; return anp.square(_read(x))
def sign(x): "-1, 0 or 1 by the sign of x."; return anp.sign(_read(x))
def round(x): "x rounded to the nearest integer (half to even)."; return anp.round(_read(x))
def sin(x): "Sine of x (radians)."; return anp.sin(_read(x))
def cos(x): "Cosine of x (radians)."; return anp.cos(_read(x))
def pow(x, a): "x ** a."; return anp.power(_read(x), a)
def maximum(x, y): "The larger of x and y, elementwise."; return anp.maximum(_read(x), _read(y))
def minimum(x, y): "The smaller of x and y, elementwise."; return anp.minimum(_read(x), _read(y))


def sqrt(x):
    """sqrt(max(x, 0)): Keras 2 clipped negatives to 0 first (their gradient is 0, not nan)."""
    x = _read(x)
    pos = untraced(x) > 0
    return anp.where(pos, anp.sqrt(anp.where(pos, x, 1.0)), 0.0)


def clip(x, min_value, max_value):
    """Clip to [min_value, max_value]; `max_value=None` is +inf and max < min becomes min."""
    if max_value is not None and max_value < min_value:
        max_value = min_value
    return anp.clip(_read(x), min_value, onp.inf if max_value is None else max_value)


# --- reductions --------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False): "Sum along `axis` (all axes when None)."; return anp.sum(_read(x), axis=_axis(axis), keepdims=keepdims)
def prod(x, axis=None, keepdims=False): "Product along `axis`."; return anp.prod(_read(x), axis=_axis(axis), keepdims=keepdims)
def mean(x, axis=None, keepdims=False): "Mean along `axis`."; return anp.mean(_read(x), axis=_axis(axis), keepdims=keepdims)
def max(x, axis=None, keepdims=False): "Largest value along `axis`."; return anp.max(_read(x), axis=_axis(axis), keepdims=keepdims)
def min(x, axis=None, keepdims=False): "Smallest value along `axis`."; return anp.min(_read(x), axis=_axis(axis), keepdims=keepdims)
def var(x, axis=None, keepdims=False): "Variance along `axis`: mean((x - mean(x))^2)."; return anp.var(_read(x), axis=_axis(axis), keepdims=keepdims)
def std(x, axis=None, keepdims=False): "Standard deviation along `axis`: sqrt(var(x))."; return anp.std(_read(x), axis=_axis(axis), keepdims=keepdims)
def cumsum(x, axis=0): "Running sum along `axis`."; return anp.cumsum(_read(x), axis=axis)


def argmax(x, axis=-1): "The index of the largest value along `axis` (no gradient)."; return onp.argmax(untraced(_read(x)), axis=axis)
def argmin(x, axis=-1): "The index of the smallest value along `axis` (no gradient)."; return onp.argmin(untraced(_read(x)), axis=axis)
def equal(x, y): "x == y, elementwise (booleans, no gradient)."; return onp.equal(untraced(_read(x)), untraced(_read(y)))
def not_equal(x, y): "x != y, elementwise (booleans)."; return onp.not_equal(untraced(_read(x)), untraced(_read(y)))
def greater(x, y): "x > y, elementwise (booleans)."; return onp.greater(untraced(_read(x)), untraced(_read(y)))
def less(x, y): "x < y, elementwise (booleans)."; return onp.less(untraced(_read(x)), untraced(_read(y)))


# --- shapes ------------------------------------------------------------------------------
def reshape(x, shape): "`x` with shape `shape`."; return anp.reshape(_read(x), shape)
def expand_dims(x, axis=-1): "`x` with a new axis of size 1 at `axis` (last by default)."; return anp.expand_dims(_read(x), axis)
def squeeze(x, axis): "`x` without its size-1 axis `axis`."; return anp.squeeze(_read(x), axis=axis)
def stack(x, axis=0): "The tensors `x` stacked along a new `axis`."; return anp.stack(_read_all(x), axis=axis)
def flatten(x): "`x` flattened to one axis."; return anp.reshape(_read(x), (-1,))
def batch_flatten(x): "`x` reshaped to (batch, everything else)."; return anp.reshape(_read(x), (anp.shape(_read(x))[0], -1))
def repeat_elements(x, rep, axis): "Each element of `x` repeated `rep` times along `axis`."; return anp.repeat(_read(x), rep, axis=axis)
def tile(x, n): "`x` repeated `n` times along each axis."; return anp.tile(_read(x), n)


def transpose(x):
    """Reverses all axes (Keras 2's `K.transpose`)."""
    return anp.transpose(_read(x))


def permute_dimensions(x, pattern):
    """`x` with its axes in the order `pattern`."""
    return anp.transpose(_read(x), tuple(pattern))


def concatenate(tensors, axis=-1):
    """The tensors joined along `axis` (the last by default)."""
    return anp.concatenate(_read_all(tensors), axis=axis)


# --- linear algebra ----------------------------------------------------------------------
def dot(x, y):
    """Keras 2 `K.dot`: sums the last axis of `x` against the second-to-last of `y` (np.dot)."""
    return anp.dot(_read(x), _read(y))


def batch_dot(x, y, axes=None):
    """Per-sample dot product: contracts `x`'s axis `axes[0]` with `y`'s `axes[1]`.

    Axis 0 is the batch. `axes=None` means (x.ndim - 1, y.ndim - 2), or (1, 1) for two
    matrices. The output keeps x's other axes then y's; a rank-1 result becomes (batch, 1).
    """
    x, y = _read(x), _read(y)
    xn, yn = anp.ndim(x), anp.ndim(y)
    if xn < 2 or yn < 2:
        raise ValueError(
            "Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
            f"{anp.shape(x)} and {anp.shape(y)}.")
    if axes is None:
        axes = [xn - 1, yn - 1 if yn == 2 else yn - 2]
    if isinstance(axes, int):
        axes = [axes, axes]
    ax, ay = [a % n for a, n in zip(axes, (xn, yn))]
    if 0 in (ax, ay):
        raise ValueError(f"Cannot perform batch_dot over axis 0. Received: axes={axes}")
    letters = "bcdefghijklmnopqrstuvwxyz"
    xs = "a" + letters[:xn - 1]
    ys = "a" + letters[xn - 1:xn + yn - 2]
    ys = ys[:ay] + xs[ax] + ys[ay + 1:]
    out = xs.replace(xs[ax], "") + ys[1:].replace(xs[ax], "")
    result = anp.einsum(f"{xs},{ys}->{out}", x, y)
    return anp.expand_dims(result, 1) if anp.ndim(result) == 1 else result


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x^2, axis), 1e-12))."""
    x = _read(x)
    return x / anp.sqrt(anp.maximum(anp.sum(anp.square(x), axis=_axis(axis), keepdims=True), 1e-12))


# --- activations and losses --------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2 `K.relu`: `alpha` is the slope below `threshold`."""
    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x): "1 / (1 + e^-x)."; return activations.sigmoid(x)
def hard_sigmoid(x): "clip(0.2 x + 0.5, 0, 1), Keras 2's piecewise-linear sigmoid."; return anp.clip(0.2 * _read(x) + 0.5, 0.0, 1.0)  # Keras 2's slope 0.2
def tanh(x): "Hyperbolic tangent of x."; return activations.tanh(x)
def softplus(x): "log(1 + e^x)."; return activations.softplus(x)
def softsign(x): "x / (1 + |x|)."; return activations.softsign(x)
def elu(x, alpha=1.0): "x for x > 0, alpha (e^x - 1) otherwise."; return activations.elu(x, alpha=alpha)
def softmax(x, axis=-1): "exp(x) / sum(exp(x), axis)."; return activations.softmax(x, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise `-(t log(p + eps) + (1 - t) log(1 - p + eps))`, p clipped to [eps, 1 - eps].

    With `from_logits`: `max(z, 0) - z t + log(1 + exp(-|z|))`.
    """
    t, out = _read(target), _read(output)
    if from_logits:
        return anp.maximum(out, 0.0) - out * t + anp.log1p(anp.exp(-anp.abs(out)))
    eps = epsilon()
    p = anp.clip(out, eps, 1.0 - eps)
    return -(t * anp.log(p + eps) + (1.0 - t) * anp.log(1.0 - p + eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(t log p, axis)`, p rescaled to sum to 1 and clipped to [eps, 1 - eps].

    With `from_logits`: `-sum(t log_softmax(z), axis)`.
    """
    t, out = _read(target), _read(output)
    if from_logits:
        return -anp.sum(t * activations.log_softmax(out, axis=axis), axis=axis)
    p = out / anp.sum(out, axis=axis, keepdims=True)
    p = anp.clip(p, epsilon(), 1.0 - epsilon())
    return -anp.sum(t * anp.log(p), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class targets."""
    out = _read(output)
    classes = onp.asarray(untraced(_read(target))).astype(int).reshape(anp.shape(out)[:-1])
    one_hot = (classes[..., None] == onp.arange(anp.shape(out)[-1])).astype(onp.result_type(untraced(out)))
    return categorical_crossentropy(one_hot, out, from_logits=from_logits, axis=axis)


# --- randomness --------------------------------------------------------------------------
def _shape(shape):
    return tuple(int(d) for d in shape)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution (floatx by default)."""
    return _random.normal(_shape(shape), mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of a uniform distribution on [minval, maxval)."""
    return _random.uniform(_shape(shape), minval, maxval, dtype=dtype or floatx(), seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    return _random.truncated_normal(_shape(shape), mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0."""
    return (_random.uniform(_shape(shape), seed=seed) < p).astype(dtype or floatx())


# --- control flow ------------------------------------------------------------------------
def _resolve(x):
    return x() if callable(x) else x


def switch(condition, then_expression, else_expression):
    """`then_expression` where `condition` holds, else `else_expression` (callables are called).

    A scalar condition picks one branch; a tensor condition selects element-wise.
    """
    cond = onp.asarray(untraced(_read(condition)))
    if cond.ndim == 0:
        return _resolve(then_expression) if bool(cond) else _resolve(else_expression)
    then_x, else_x = _read(_resolve(then_expression)), _read(_resolve(else_expression))
    while cond.ndim < anp.ndim(then_x):  # Keras 2 aligns the condition on the left
        cond = cond[..., None]
    return anp.where(cond, then_x, else_x)


def learning_phase():
    """1 inside a layer called with training=True, else 0."""
    from minikeras.engine.call_context import call_context
    return int(bool(call_context.training))


def in_train_phase(x, alt, training=None):
    """`x` in training, `alt` otherwise (callables are called). `None` uses `learning_phase()`."""
    if training is None:
        training = learning_phase()
    return _resolve(x) if training else _resolve(alt)


def in_test_phase(x, alt, training=None):
    """`x` at inference, `alt` in training (callables are called)."""
    return in_train_phase(alt, x, training=training)


def stop_gradient(x):
    """The value of `x` with no gradient flowing back through it."""
    return untraced(_read(x))


def compute_output_spec(fn, *args, **kwargs):
    """The KerasTensor(s) `fn` returns for KerasTensor arguments (Keras's shape inference).

    `fn` runs on zeros of the arguments' shapes, a None size taken as 83 and then as 89: a
    size that differs between the two runs is None in the result. The variables of `fn` (a
    metric or a layer, or the object of a bound method) are bound in a StatelessScope, so an
    assign in `fn` (a metric's update) leaves them as they were.
    """
    from minikeras.engine.autodiff import StatelessScope
    from minikeras.engine.keras_tensor import KerasTensor, flatten, map_structure
    owner = getattr(fn, "__self__", fn)
    variables = list(getattr(owner, "variables", None) or [])
    dynamic = any(None in t.shape for t in flatten((args, kwargs)) if isinstance(t, KerasTensor))

    def run(size):
        def concrete(t):
            if not isinstance(t, KerasTensor):
                return t
            return onp.zeros([size if d is None else d for d in t.shape], dtype=t.dtype)
        with StatelessScope([(v, v.numpy()) for v in variables]):
            return fn(*map_structure(concrete, args), **map_structure(concrete, kwargs))

    def spec(*outs):
        shapes = [onp.shape(untraced(o)) for o in outs]
        shape = tuple(d if all(s[i] == d for s in shapes) else None for i, d in enumerate(shapes[0]))
        return KerasTensor(shape, standardize_dtype(onp.asarray(untraced(outs[0])).dtype))
    runs = [run(83), run(89)] if dynamic else [run(83)]
    return map_structure(spec, *runs)
