"""Where gradients come from: minikeras's binding of variables to traced values, and autograd.

A training step is one pure function of the trainable values (`Trainer.train_step`):

    loss(values) = with StatelessScope(zip(variables, values)):   # self.kernel -> a traced value
                       return compiled_loss(y, model(x, training=True)) + sum(model.losses)
    loss, grads = value_and_grads(loss, [v.numpy() for v in variables])

- `StatelessScope` binds each variable to the value autograd traces. Inside it, `bound(obj)`
  turns a Variable into its traced value: `Variable.value`, a layer attribute (`self.kernel`,
  through `Layer.__getattribute__`) and every `keras.ops` function read variables through it, so
  a `call` written with `ops` (or `x @ self.kernel`) carries the gradient.
- `value_and_grads` traces `loss` with one root per value and runs autograd's backward pass over
  the recorded operations. Its traces are made of `TraceNode`s, minikeras's own node type: their
  vector-Jacobian products are autograd's rules (and the ones `ops/` registers for its own
  primitives) wrapped so a float32 input gets a float32 gradient (several of autograd's rules
  return float64: `where`, `mean`, `max`, ...) and matmul of (..., K) @ (K, N) gets one GEMM per
  gradient. autograd's own table is never changed: a user's `autograd.grad` in the same process
  computes exactly what it computes without minikeras.
- `is_traced(x)` and `untraced(x)` are all that layers, losses and metrics need to know of
  autograd's boxes.
"""
import numpy as onp
from autograd import numpy as anp
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.core import VJPNode, VSpace, add_outgrads, primitive_vjps, vspace
from autograd.tracer import getval, isbox, new_box, notrace_primitives, toposort, trace_stack

from minikeras.engine.tensor import Tensor

# --- reading through autograd's boxes ------------------------------------------------------
TracedArray = ArrayBox  # the type of a traced array
is_traced = isbox       # whether `x` is a value autograd is tracing
untraced = getval       # the plain value inside a traced one (or `x` itself)


class TensorBox(ArrayBox):
    """What autograd traces in place of a `Tensor`: an ArrayBox with TensorFlow's `numpy()`,
    `float()` and `int()` (a tutorial prints `float(loss)` of a loss computed under a tape)."""
    __slots__ = []

    def numpy(self):
        return onp.asarray(getval(self)).view(Tensor).numpy()

    def __float__(self):
        return float(getval(self))

    def __int__(self):
        return int(getval(self))

    def __format__(self, spec):
        return format(self.numpy(), spec)


def _reading_variables(method):
    """An ArrayBox operator whose other operand may be a Variable (read, not turned into a
    constant array: `x @ w + b` under a tape, with `b` a `tf.Variable`)."""
    def operator(self, other):
        if not isbox(other) and hasattr(other, "assign") and hasattr(other, "_value"):
            other = other.value
        return method(self, other)
    return operator


for _op in ("add", "sub", "mul", "truediv", "div", "matmul", "pow", "mod"):
    for _name in (f"__{_op}__", f"__r{_op}__"):
        setattr(TensorBox, _name, _reading_variables(getattr(ArrayBox, _name)))
for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
    setattr(TensorBox, _name, _reading_variables(getattr(ArrayBox, _name)))
TensorBox.__hash__ = ArrayBox.__hash__


# Registering minikeras's own array type adds to autograd's tables without changing what they
# say for any other type: autograd traces a Tensor as it traces the ndarray it is.
TensorBox.register(Tensor)
VSpace.mappings[Tensor] = VSpace.mappings[onp.ndarray]

# --- the binding ---------------------------------------------------------------------------
# Reads of a variable consult `_scope`: None when nothing is bound (the common eager case), the
# merged bindings of the open StatelessScopes (a dict id(variable) -> value), or while a gradient
# tape records (engine/tape.py) a `_TapedReads` that also boxes variables on first read.
_scope = None
_bindings = {}   # the merged bindings of the open StatelessScopes
_tapes = []      # the recording gradient tapes, outermost first
_watched = {}    # id(tensor) -> (tensor, traced value) for tensors a recording tape watches


class _TapedReads:
    """`_scope` while a tape records: bound values first, else the variable as the tapes box it."""
    __slots__ = []

    def get(self, key, variable):
        value = _bindings.get(key, variable)
        if value is not variable or not hasattr(variable, "_value"):
            return value
        value = variable._value
        for tape in _tapes:
            value = tape._read(variable, value)
        return value


def _refresh_scope():
    global _scope
    _scope = _TapedReads() if _tapes else (_bindings if _bindings else None)


class StatelessScope:
    """Binds variables to given values for the duration of a `with` block, as Keras 3's
    `keras.StatelessScope`: reads of a bound variable see its value in the scope, and an
    `assign` to it inside the block changes only the scope's value (`get_current_value`), never
    the variable. Nested scopes add to the outer one's bindings."""

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.bindings = {id(v): val for v, val in (state_mapping or ())}
        self.collect_losses = collect_losses

    def __enter__(self):
        global _bindings
        self._outer = _bindings
        _bindings = {**self._outer, **self.bindings} if self._outer else dict(self.bindings)
        self._merged = _bindings
        _refresh_scope()
        return self

    def __exit__(self, *exc):
        global _bindings
        _bindings = self._outer
        _refresh_scope()
        return False

    def get_current_value(self, variable):
        """The value `variable` has in this scope (after any assign in it), or None if unbound."""
        return self._merged.get(id(variable))


def bound(variable, default):
    """The value bound to `variable` in the open scope (or boxed by a recording tape), else
    `default`."""
    if _scope is None:
        return default
    value = _scope.get(id(variable), variable)
    return default if value is variable else value


def binding_open():
    """Whether a StatelessScope is open or a tape records (hot paths check this first)."""
    return _scope is not None


def rebind(variable, value):
    """`variable.assign(value)` inside a StatelessScope that binds `variable`: the scope's value
    changes, the variable does not. Returns False when no open scope binds it."""
    key = id(variable)
    if key not in _bindings:
        return False
    if isbox(value) and not isinstance(value, VariableBox):
        value = VariableBox(value._value, value._trace, value._node, variable)
    _bindings[key] = value
    return True


def watched_value(x):
    """What a recording tape traces in place of tensor `x` (after `tape.watch(x)`), else `x`."""
    entry = _watched.get(id(x))
    return x if entry is None or entry[0] is not x else entry[1]


class VariableBox(TensorBox):
    """The traced value of a variable (what `self.kernel` is inside `fit` or under a tape): an
    ArrayBox that still takes the Variable's `assign`, `numpy()`, `name`..., as a layer that
    writes its own weights in `call` needs (the masked convolution of PixelCNN)."""
    __slots__ = ["_variable"]

    def __init__(self, value, trace, node, variable):
        super().__init__(value, trace, node)
        self._variable = variable

    def assign(self, value):
        return self._variable.assign(value)

    def assign_add(self, value):
        return self._variable.assign(self + value)

    def assign_sub(self, value):
        return self._variable.assign(self - value)

    def __getattr__(self, name):  # name, path, trainable, ...: the variable's
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._variable, name)


# A VariableBox is a box like autograd's own (autograd checks box types by exact type); boxing one
# again in an outer trace gives an ordinary ArrayBox, as for any traced array.
VariableBox.types.add(VariableBox)
VariableBox.type_mappings[VariableBox] = ArrayBox


# --- minikeras's traces --------------------------------------------------------------------
_LOW_PRECISION = (onp.dtype("float32"), onp.dtype("float16"))
_vjp_makers = {}  # primitive -> (autograd's vjp maker it wraps, the wrapped maker)


class TraceNode(VJPNode):
    """A node of a trace started by `value_and_grads`: its VJP comes from `vjp_maker`, not
    straight from autograd's table, and the primitives it records inherit the node type."""
    __slots__ = []

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        self.parents = parents
        self.vjp = vjp_maker(fun)(parent_argnums, value, args, kwargs)


# Operations autograd does not record for its own nodes (shape, floor, comparisons, ...) are not
# recorded in minikeras's traces either: the same set, under minikeras's node type.
notrace_primitives[TraceNode] = notrace_primitives[VJPNode]


def vjp_maker(fun):
    """autograd's VJP maker of primitive `fun`, wrapped for minikeras's traces (cached; rebuilt
    if someone registers a new rule for `fun`)."""
    try:
        base = primitive_vjps[fun]
    except KeyError:
        raise NotImplementedError(
            f"VJP of {getattr(fun, '__name__', fun)} is not defined") from None
    cached = _vjp_makers.get(fun)
    if cached is None or cached[0] is not base:
        wrapped = _one_gemm_matmul(base) if fun is anp.matmul else base
        cached = _vjp_makers[fun] = (base, _keeping_dtype(wrapped))
    return cached[1]


def _float_dtype(arg):
    value = getval(arg)
    dtype = getattr(value, "dtype", None)
    return dtype if isinstance(value, onp.ndarray) and dtype in _LOW_PRECISION else None


def _cast(grad, dtype):
    if dtype is not None and type(grad) is onp.ndarray and grad.dtype != dtype:
        return grad.astype(dtype)
    return grad


def _keeping_dtype(vjp_argnums):
    """A VJP maker whose gradients w.r.t. float32 / float16 arrays come back in that dtype."""
    def maker(argnums, ans, args, kwargs):
        vjp = vjp_argnums(argnums, ans, args, kwargs)
        dtypes = [_float_dtype(args[i]) for i in argnums]
        if not any(dtypes):
            return vjp
        return lambda g: tuple(_cast(r, d) for r, d in zip(vjp(g), dtypes))
    return maker


def _one_gemm_matmul(vjp_argnums):
    """autograd's matmul gradient for x (..., K) @ w (K, N) with x of rank > 2 (a Dense layer on
    sequences) runs one small product per leading index and then sums N x K results over them;
    flattening the leading axes makes each gradient one matrix product."""
    def flat(a):
        return anp.reshape(a, (-1, anp.shape(a)[-1]))

    def maker(argnums, ans, args, kwargs):
        a, b = args
        if anp.ndim(a) <= 2 or anp.ndim(b) != 2:
            return vjp_argnums(argnums, ans, args, kwargs)
        rules = {0: lambda g: anp.reshape(anp.matmul(flat(g), anp.transpose(b)), anp.shape(a)),
                 1: lambda g: anp.matmul(anp.transpose(flat(a)), flat(g))}
        return lambda g: tuple(rules[i](g) for i in argnums)
    return maker


def value_and_grads(fun, values, variables=None):
    """(fun(values), [d fun / d value for each value]) for a scalar-valued `fun` of a list.

    Each value gets its own root (autograd's `value_and_grad` of a list would box the list as one
    value and unpack it with one traced `container_take` per array), then autograd's backward
    pass runs in autograd's order over minikeras's `TraceNode`s. With `variables` (one per
    value), the traced values are `VariableBox`es of those variables."""
    roots = [TraceNode.new_root() for _ in values]
    with trace_stack.new_trace() as trace:
        if variables is None:
            boxes = [new_box(v, trace, root) for v, root in zip(values, roots)]
        else:
            boxes = [VariableBox(v, trace, root, var) for v, root, var in zip(values, roots, variables)]
        out = fun(boxes)
        traced = isbox(out) and out._trace == trace
        value, end = (out._value, out._node) if traced else (out, None)
    if vspace(value).size != 1:
        raise TypeError("value_and_grads only applies to real scalar-output functions. "
                        f"Received an output of shape {getattr(value, 'shape', None)}.")
    grads = backward(end, vspace(value).ones(), roots)
    return value, [grads[id(root)] if id(root) in grads else vspace(v).zeros()
                   for root, v in zip(roots, values)]


def backward(end, seed, roots):
    """autograd's backward pass from node `end` (with output gradient `seed`) over a trace:
    {id(root): gradient} for the given roots the pass reaches."""
    grads = {}
    if end is None:
        return grads
    outgrads = {end: (seed, False)}
    wanted = {id(root) for root in roots}
    for node in toposort(end):
        outgrad = outgrads.pop(node)
        if id(node) in wanted:
            grads[id(node)] = outgrad[0]
            continue
        for parent, ingrad in zip(node.parents, node.vjp(outgrad[0])):
            outgrads[parent] = add_outgrads(outgrads.get(parent), ingrad)
    return grads
