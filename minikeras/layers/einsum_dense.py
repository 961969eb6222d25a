"""EinsumDense: a dense layer whose contraction is an einsum equation.

`einsum_matmul` evaluates a two-operand einsum as transposes, reshapes and ONE batched matmul:
forward and backward then run in BLAS. autograd's own einsum VJP calls numpy's unoptimised C
einsum, which measured 2-3x slower on attention-sized tensors (fwd+bwd).
"""
import functools
import re
import string

import numpy as onp
from autograd import numpy as anp

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.initializers import VarianceScaling
from minikeras.layers.layer import InputSpec, Layer
from minikeras.layers.lora import LoRA, merged_weight

_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", "none"),
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right"))


# --- einsum as one batched matmul ------------------------------------------------------------
def _ellipsis_size(spec, ndim):
    return ndim - (len(spec) - 3) if "..." in spec else 0


@functools.lru_cache(maxsize=256)
def _plan(equation, ndim_a, ndim_b):
    """Index groups of `a,b->out`: (a, b, out, batch, free_a, free_b, contracted), or None."""
    ins, out = equation.replace(" ", "").split("->")
    a, b = ins.split(",")
    fill = "".join(c for c in string.ascii_uppercase if c not in equation)
    n_a, n_b = _ellipsis_size(a, ndim_a), _ellipsis_size(b, ndim_b)
    # ellipsis axes broadcast right-aligned, as numpy names them
    a = a.replace("...", fill[len(fill) - n_a:] if n_a else "")
    b = b.replace("...", fill[len(fill) - n_b:] if n_b else "")
    n = max(n_a, n_b)
    out = out.replace("...", fill[len(fill) - n:] if n else "")
    if len(set(a)) != len(a) or len(set(b)) != len(b) or len(a) != ndim_a or len(b) != ndim_b:
        return None  # repeated indices (diagonals) or malformed: plain einsum
    batch = [c for c in out if c in a and c in b]
    free_a = [c for c in out if c in a and c not in b]
    free_b = [c for c in out if c in b and c not in a]
    contracted = [c for c in a if c in b and c not in out]
    return a, b, out, batch, free_a, free_b, contracted


def _prepare(x, spec, keep, order):
    """Sums out the axes of `x` named outside `keep`, then transposes them into `order`."""
    drop = tuple(i for i, c in enumerate(spec) if c not in keep)
    if drop:
        x = anp.sum(x, axis=drop)
        spec = "".join(c for c in spec if c in keep)
    perm = [spec.index(c) for c in order]
    return x if perm == sorted(perm) else anp.transpose(x, perm)


def einsum_matmul(equation, a, b):
    """`einsum(equation, a, b)` computed as batch (prod B) x (L, K) @ (K, R) matmuls.

    Indices in both operands and the output are batch axes B, in both but not the output are
    contracted (K), in one operand and the output are free (L or R); any other is summed first.
    """
    a, b = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    plan = _plan(equation, a.ndim, b.ndim)
    if plan is None:
        return anp.einsum(equation, a, b)
    sa, sb, out, batch, free_a, free_b, con = plan
    if batch + free_a + free_b != list(out) and batch + free_b + free_a == list(out):
        # b-major output (attention scores): swapping the operands makes the product's layout
        # the output's, so no transposed view reaches the softmax and the next product
        return einsum_matmul(f"{sb},{sa}->{out}", b, a)
    size_a, size_b = dict(zip(sa, a.shape)), dict(zip(sb, b.shape))
    if any(size_a[c] != size_b[c] for c in batch + con):
        return anp.einsum(equation, a, b)  # broadcast batch axes
    size = {**size_a, **size_b}
    prod = lambda cs: int(onp.prod([size[c] for c in cs], dtype=onp.int64))
    lead = (prod(batch),) if batch else ()  # 2-D when there is no batch axis (plain BLAS gemm)
    a = anp.reshape(_prepare(a, sa, out + sb, batch + free_a + con),
                    lead + (prod(free_a), prod(con)))
    b = anp.reshape(_prepare(b, sb, out + sa, batch + con + free_b),
                    lead + (prod(con), prod(free_b)))
    y = anp.reshape(anp.matmul(a, b), [size[c] for c in batch + free_a + free_b])
    got = batch + free_a + free_b
    perm = [got.index(c) for c in out]
    return y if perm == sorted(perm) else anp.transpose(y, perm)


# --- shape analysis (Keras's `_analyze_einsum_string`) ----------------------------------------
def _split_equation(equation):
    """(input_spec, weight_spec, output_spec, elided side) of a supported equation."""
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, side in _FORMS:
        match = re.match(pattern, dotted)
        if match:
            return match.group(1), match.group(2), match.group(3), side
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def analyze_einsum(equation, bias_axes, input_shape, output_shape):
    """(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes) for an input shape."""
    in_spec, w_spec, out_spec, side = _split_equation(equation)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(in_spec)
    least = len(in_spec) + (side == "left")  # a leading '...' holds at least the batch axis
    if (side == "none" and elided != 0) or len(input_shape) < least:
        raise ValueError(f"Equation '{equation}' expects inputs of rank "
                         f"{least}{'' if side == 'none' else ' or more'}. "
                         f"Received: input_shape={tuple(input_shape)}")
    if len(output_shape) != len(out_spec) - 1 + (side == "left"):
        raise ValueError(f"`output_shape` {tuple(output_shape)} must have one entry per output "
                         f"axis of '{equation}' after the batch axis and any '...'.")
    full = [input_shape[0]] + list(output_shape)
    if elided > 0 and side == "left":
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full += input_shape[len(input_shape) - elided:]
    if side == "left":
        in_map = {c: i + elided - len(input_shape) for i, c in enumerate(in_spec)}
        out_map = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        in_map = {c: i for i, c in enumerate(in_spec)}
        out_map = {c: i for i, c in enumerate(out_spec)}
    for c in in_spec:
        if c in out_map and full[out_map[c]] is not None and full[out_map[c]] != input_shape[in_map[c]]:
            raise ValueError(
                f"Input shape and output shape do not match at shared dimension '{c}'. Input "
                f"shape is {input_shape[in_map[c]]}, and output shape is {full[out_map[c]]}.")
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(
                f"Dimension '{c}' was specified in the output '{out_spec}' but has no "
                f"corresponding dim in the input spec '{in_spec}' or weight spec '{w_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_map:
            kernel_shape.append(full[out_map[c]])
            output_axes.append(i)
        elif c in in_map:
            kernel_shape.append(input_shape[in_map[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{c}' did not have a match in either the input spec "
                f"'{in_spec}' or the output spec '{out_spec}'. For this layer, the weight must "
                "be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                                 f"output spec '{out_spec}'")
        first = min(out_spec.find(c) for c in bias_axes)
        offset = elided if side == "left" else 0
        bias_shape = [full[out_spec.index(c) + offset] if c in bias_axes else 1
                      for c in out_spec[first:]]
        if side != "left":
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, full, input_axes, output_axes


class EinsumDense(LoRA, Layer):
    """A dense layer computed by an einsum: `activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: "ab,bc->ac", "...ab,bc->...ac" or "ab...,bc->ac..." style equation.
        output_shape: the output shape without the batch axis and elided axes (int or tuple;
            None entries are inferred from the input).
        activation: activation function; None is linear.
        bias_axes: output letters that carry a bias, e.g. "c"; None for no bias.
        lora_rank, lora_alpha: LoRA from the start (see `enable_lora` and layers/lora.py).
    Shapes: the kernel has one axis per weight letter, sized from the input (contracted letters)
    or the output (output letters); the bias spans the output from its first bias letter on.
    """

    kernel = merged_weight("kernel")

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"Layer '{self.name}': `equation` must be a string. "
                             f"Received: equation={equation}")
        _split_equation(equation)
        if quantization_config is not None:
            raise NotImplementedError(
                f"Layer '{self.name}': quantization is not supported by minikeras.")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_lora(lora_rank, lora_alpha)
        self.quantization_config = None

    def _kernel_init_for(self, input_axes, output_axes):
        """Keras gives VarianceScaling the einsum's fan axes unless the user set them."""
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            config = {**init.get_config(), "seed": init.seed,
                      "input_axes": input_axes, "output_axes": output_axes}
            return init.__class__.from_config(config)
        return init

    def build(self, input_shape):
        try:
            kernel_shape, bias_shape, _, in_axes, out_axes = analyze_einsum(
                self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        except ValueError as e:
            raise ValueError(f"Layer '{self.name}' (input shape {tuple(input_shape)}): {e}") from None
        if any(d is None for d in kernel_shape):
            raise ValueError(f"Layer '{self.name}': the kernel shape {tuple(kernel_shape)} of "
                             f"equation '{self.equation}' is not fully defined by the input shape "
                             f"{tuple(input_shape)} and output_shape {self.partial_output_shape}.")
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                       initializer=self._kernel_init_for(in_axes, out_axes),
                                       regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True
        self._build_lora()

    def call(self, inputs, training=None):
        x = einsum_matmul(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + ops.convert_to_tensor(self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(analyze_einsum(self.equation, self.bias_axes, input_shape,
                                    self.partial_output_shape)[2])

    def get_config(self):
        return {**super().get_config(),
                "output_shape": self.partial_output_shape, "equation": self.equation,
                "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None, **self._lora_config()}
