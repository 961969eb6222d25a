"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization (Keras 3's names, arguments, weights, configs and formulas).

All of them compute `y = x * inv + (beta - mean * inv)` with `inv = gamma / sqrt(var + epsilon)`,
the order of operations Keras uses, over different sets of axes.
"""
import warnings

import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import untraced

from minikeras import constraints, initializers, ops, regularizers
from minikeras.engine import config
from minikeras.layers.layer import InputSpec, Layer
from minikeras.ops import nn
from minikeras.utils.argument_validation import in_layer as _where


# --- shared helpers ----------------------------------------------------------------------
def _check_epsilon(layer, epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, onp.floating)) or not epsilon > 0:
        raise ValueError(f"`epsilon` must be a positive float. Received: epsilon={epsilon}{_where(layer)}")


def _check_axes(layer, axes, input_shape):
    """Every axis must index `input_shape` (negative counts from the end)."""
    for axis in axes:
        if axis >= len(input_shape) or axis < -len(input_shape):
            raise ValueError(
                f"Axis {axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={layer.axis}{_where(layer)}")


def _check_defined(layer, axes, input_shape):
    for axis in axes:
        if input_shape[axis] is None:
            raise ValueError(
                f"Axis {axis} of the input should have a defined dimension, but layer "
                f"'{layer.name}' received an input with shape {tuple(input_shape)}.")


def _as_float(x, dtype):
    """Float inputs keep their dtype (the layer casts them); integer inputs become `dtype`."""
    return x if onp.dtype(x.dtype).kind == "f" else ops.cast(x, dtype)


def _at_least_float32(x):
    """float16 / bfloat16 inputs upcast to float32: Keras computes the normalizations in at least
    float32 (their statistics overflow in float16) and casts the output to the compute dtype."""
    return x.astype("float32") if onp.dtype(x.dtype).name in ("float16", "bfloat16") else x


def _bcast(v, shape, dtype):
    """`v` (a variable, traced value or None) cast to `dtype` and reshaped to broadcast to `shape`."""
    return None if v is None else anp.reshape(ops.cast(v, dtype), shape)


def _normalize(x, mean, variance, epsilon, gamma=None, beta=None):
    """x * inv + (beta - mean * inv), inv = gamma * rsqrt(variance + epsilon); all broadcastable."""
    inv = 1.0 / anp.sqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return x * inv + res


class _AffineMixin:
    """gamma/beta arguments and weights shared by the Layer/Group normalizations."""

    def _init_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint):
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.supports_masking = True

    def _add_affine(self, shape, scale, center):
        if scale:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True,
                                         autocast=False)
        if center:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True,
                                        autocast=False)

    def _affine_config(self):
        return {"center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


# --- BatchNormalization --------------------------------------------------------------------
class BatchNormalization(_AffineMixin, Layer):
    """Normalizes each channel (`axis`) over all other axes.

    training (and `layer.trainable`): y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta
        with the batch moments (biased variance), and, outside the gradient,
        moving = moving * momentum + batch_stat * (1 - momentum).
    inference, or a frozen layer (`trainable=False`) even under `fit`:
        y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta.
    Weights: gamma, beta (trainable), moving_mean, moving_variance (non-trainable), each
    (channels,); with `renorm=True` also moving_stddev, renorm_mean, renorm_stddev.
    Call: `mask` (inputs' shape minus the channel axis) excludes entries from the batch moments.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, onp.integer)):
            raise TypeError(f"`axis` must be an integer. Received: axis={axis}{_where(self)}")
        _check_epsilon(self, epsilon)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        # One device: the "global" batch statistics are the local ones, so this is a no-op.
        self.synchronized = synchronized
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm, self.renorm_momentum = renorm, renorm_momentum
        if renorm:
            renorm_clipping = self._check_clipping(renorm_clipping or {})
        self.renorm_clipping = renorm_clipping
        self.moving_mean = self.moving_variance = None

    def _check_clipping(self, clipping):
        keys = ["rmax", "rmin", "dmax"]
        if set(clipping) - set(keys):
            raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {clipping}. "
                             f"Supported values: {keys}.{_where(self)}")
        rmax, rmin, dmax = (clipping.get(k) for k in keys)
        if rmax is not None and rmin is not None and rmax < rmin:
            raise ValueError("rmax should be greater than rmin in the `renorm_clipping` argument. "
                             f"Received: rmax={rmax}, rmin={rmin}.{_where(self)}")
        if dmax is not None and dmax < 0:
            raise ValueError("dmax should be non-negative in the `renorm_clipping` argument. "
                             f"Received: dmax={dmax}.{_where(self)}")
        return clipping

    def build(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        _check_defined(self, [self.axis], input_shape)
        shape = (input_shape[self.axis],)
        self._add_affine(shape, self.scale, self.center)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape, trainable=False,
                                           initializer=self.moving_mean_initializer,
                                           autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape, trainable=False,
                                               initializer=self.moving_variance_initializer,
                                               autocast=False)
        if self.renorm:
            def stddev_init(shape, dtype=None):
                return onp.sqrt(_clone(self.moving_variance_initializer)(shape, dtype=dtype))
            self.moving_stddev = self.add_weight(name="moving_stddev", shape=shape, trainable=False,
                                                 initializer=stddev_init, autocast=False)
            self.renorm_mean = self.add_weight(name="renorm_mean", shape=shape, trainable=False,
                                               initializer=_clone(self.moving_mean_initializer),
                                               autocast=False)
            self.renorm_stddev = self.add_weight(name="renorm_stddev", shape=shape, trainable=False,
                                                 initializer=stddev_init, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: input_shape[self.axis]})
        self._reduction_axes = tuple(i for i in range(len(input_shape)) if i != self.axis % len(input_shape))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = _at_least_float32(_as_float(inputs, self.compute_dtype))
        gamma, beta = self.gamma, self.beta
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
                self._update_renorm_statistics(mean, variance)
            else:
                self._update_moving(self.moving_mean, mean, self.momentum)
                self._update_moving(self.moving_variance, variance, self.momentum)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        shape = [1] * len(x.shape)
        shape[self.axis] = -1
        b = [_bcast(v, shape, x.dtype) for v in (mean, variance, gamma, beta)]
        return ops.cast(_normalize(x, b[0], b[1], self.epsilon, b[2], b[3]), self.compute_dtype)

    @staticmethod
    def _update_moving(variable, value, momentum):
        """moving = moving * momentum + value * (1 - momentum), on untraced values."""
        current = onp.asarray(untraced(variable.value))  # the scope's value in a stateless_call
        variable.assign(current * momentum + onp.asarray(untraced(value)) * (1.0 - momentum))

    def _moments(self, x, mask):
        """Per-channel mean and biased variance over the reduction axes (masked entries left out)."""
        axes = self._reduction_axes
        if mask is None:
            return ops.moments(x, axes)
        mask = onp.asarray(untraced(mask))
        if mask.ndim != len(x.shape) - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. "
                             f"Received: mask.shape={mask.shape}, inputs.shape={tuple(x.shape)}"
                             f"{_where(self)}")
        mask = onp.broadcast_to(mask[..., None], x.shape).astype(bool)
        weight = onp.sum(mask, axis=axes, keepdims=True, dtype=x.dtype) + config.epsilon()
        mean = anp.sum(anp.where(mask, x, 0.0), axis=axes, keepdims=True) / weight
        variance = anp.sum(anp.where(mask, anp.square(x - mean), 0.0), axis=axes, keepdims=True) / weight
        return anp.squeeze(mean, axis=axes), anp.squeeze(variance, axis=axes)

    def _renorm_transform(self, mean, variance, gamma, beta):
        """Batch renormalization: gamma' = r * gamma, beta' = d * gamma + beta with
        r = stddev / renorm_stddev, d = (mean - renorm_mean) / renorm_stddev (no gradient, clipped)."""
        eps = self.epsilon
        stddev = onp.sqrt(untraced(variance) + eps)
        renorm_stddev = onp.maximum(self.renorm_stddev.numpy(), onp.sqrt(onp.asarray(eps, stddev.dtype)))
        r = stddev / renorm_stddev
        d = (untraced(mean) - self.renorm_mean.numpy()) / renorm_stddev
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = onp.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = onp.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = onp.clip(d, -clip["dmax"], clip["dmax"])
        new_gamma = r if gamma is None else r * gamma
        new_beta = d if gamma is None else d * gamma
        return new_gamma, (new_beta if beta is None else new_beta + beta)

    def _update_renorm_statistics(self, mean, variance):
        stddev = onp.sqrt(onp.asarray(untraced(variance)) + self.epsilon)
        self._update_moving(self.renorm_mean, mean, self.renorm_momentum)
        self._update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        self._update_moving(self.moving_mean, mean, self.momentum)
        self._update_moving(self.moving_stddev, stddev, self.momentum)
        new_stddev = self.moving_stddev.numpy()
        self.moving_variance.assign(onp.maximum(new_stddev * new_stddev - self.epsilon, 0.0))

    def compute_output_shape(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, **self._affine_config(),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}


def _clone(initializer):
    """A fresh copy of a (possibly seeded) initializer object, as Keras does for renorm."""
    if hasattr(initializer, "get_config") and hasattr(type(initializer), "from_config"):
        return type(initializer).from_config(initializer.get_config())
    return initializer


# --- LayerNormalization --------------------------------------------------------------------
class LayerNormalization(_AffineMixin, Layer):
    """Normalizes each example over `axis` (int or list): y = gamma * (x - mean) / sqrt(var + epsilon) + beta.

    gamma and beta have the shape of the normalized axes. `rms_scaling=True` (deprecated in Keras)
    gives y = gamma * x / sqrt(var + epsilon), uncentred and without beta.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, *, rms_scaling=False, **kwargs):
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                          "incorrectly scales the input by the variance, not the root mean square. "
                          "To correctly use RMS Normalization, please use "
                          "`keras.layers.RMSNormalization` instead.")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}{_where(self)}")
        _check_epsilon(self, epsilon)
        self.autocast = False  # as Keras: inputs keep their dtype, computed in >= float32
        self.epsilon, self.rms_scaling = epsilon, rms_scaling
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, input_shape)
        _check_defined(self, axes, input_shape)
        self.axis = axes
        self._add_affine(tuple(input_shape[a] for a in axes), self.scale or self.rms_scaling,
                         self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        x = _at_least_float32(_as_float(inputs, self.compute_dtype))
        cast = lambda v: None if v is None else ops.cast(v, x.dtype)
        out = nn._layer_normalization(x, cast(self.gamma), cast(self.beta), list(self.axis),
                                      self.epsilon, self.rms_scaling)
        return ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        _check_axes(self, self.axis if isinstance(self.axis, list) else [self.axis], input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "rms_scaling": self.rms_scaling, **self._affine_config()}


# --- GroupNormalization --------------------------------------------------------------------
class GroupNormalization(_AffineMixin, Layer):
    """Splits the channels (`axis`) into `groups` and normalizes each group of each example
    over its channels and all non-batch axes: y = gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta.

    `groups=-1` means one group per channel (instance normalization). gamma, beta: (channels,).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive "
                             "integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}{_where(self)}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"`axis` must be an integer. Received: axis={axis}{_where(self)}")
        _check_epsilon(self, epsilon)
        self.autocast = False  # as Keras: inputs keep their dtype, computed in >= float32
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        if self.axis % len(input_shape) == 0:
            raise ValueError(f"`axis` cannot be the batch axis 0. Received: axis={self.axis}{_where(self)}")
        _check_defined(self, [self.axis], input_shape)
        dim = input_shape[self.axis]
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of "
                             f"channels ({dim}){_where(self)}.")
        if dim % self.groups != 0:
            raise ValueError(f"Number of channels ({dim}) must be a multiple of the number of "
                             f"groups ({self.groups}){_where(self)}.")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self._add_affine((dim,), self.scale, self.center)
        self.built = True

    def call(self, inputs):
        x = _at_least_float32(_as_float(inputs, self.compute_dtype))
        shape, a = tuple(x.shape), self.axis % len(x.shape)
        split = (self.groups, shape[a] // self.groups)
        grouped = anp.reshape(x, shape[:a] + split + shape[a + 1:])
        axes = tuple(i for i in range(1, len(shape) + 1) if i != a)
        mean, variance = ops.moments(grouped, axes, keepdims=True)
        bshape = (1,) * a + split + (1,) * (len(shape) - a - 1)
        gamma, beta = _bcast(self.gamma, bshape, x.dtype), _bcast(self.beta, bshape, x.dtype)
        out = _normalize(grouped, mean, variance, self.epsilon, gamma, beta)
        return ops.cast(anp.reshape(out, shape), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, **self._affine_config()}


# --- UnitNormalization ---------------------------------------------------------------------
class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over `axis`: y = x / max(||x||_2, 1e-12)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of "
                            f"ints. Received: axis={axis}{_where(self)}")
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        x = _as_float(inputs, self.compute_dtype)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, x.shape)
        return ops.normalize(x, axis=tuple(axes), order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        _check_axes(self, self.axis if isinstance(self.axis, list) else [self.axis], input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
