"""`Metric`, the base class of every metric: state in non-trainable variables, updated with
`update_state`, read with `result`, cleared with `reset_state` (Keras's `metrics/metric.py`)."""
import numpy as onp

from minikeras import losses
from minikeras.engine.autodiff import StatelessScope, untraced
from minikeras.engine.variable import Variable
from minikeras.utils.tracking import TrackedDict, TrackedList


def _initializer(identifier):
    if identifier is None or isinstance(identifier, str) and identifier in ("zeros", "Zeros"):
        return lambda shape, dtype=None: onp.zeros(shape, dtype=dtype)
    if isinstance(identifier, str) and identifier in ("ones", "Ones"):
        return lambda shape, dtype=None: onp.ones(shape, dtype=dtype)
    if isinstance(identifier, str):
        from minikeras import initializers
        return initializers.get(identifier)
    return identifier


class Metric:
    """Base class: subclasses create state with `add_variable` in `__init__` and implement
    `update_state` and `result`.

    Variables and sub-metrics assigned as attributes, directly or inside lists, tuples and dicts,
    are tracked (Keras's `Tracker`): `variables` lists the metric's own variables in the order
    they were tracked, then each sub-metric's.

    Args:
        dtype: dtype of the metric's computations, `keras.config.floatx()` by default.
        name: defaults to the snake-cased class name.
    """

    _keras_module = "metrics"

    def __init__(self, dtype=None, name=None):
        self.__dict__.update(_variables=[], _metrics=[], _tracked_ids=set())
        self.name = name or losses.auto_name(type(self).__name__)
        self._dtype = losses.compute_dtype(dtype)

    def __setattr__(self, name, value):
        if "_tracked_ids" in self.__dict__:
            value = self._track(value)
        super().__setattr__(name, value)

    def _track(self, value):
        """Records the Variables and Metrics in `value`; a list or dict comes back wrapped so
        that what is put in it later is recorded too."""
        if isinstance(value, (Variable, Metric)):
            if id(value) not in self._tracked_ids:
                self._tracked_ids.add(id(value))
                (self._variables if isinstance(value, Variable) else self._metrics).append(value)
        elif isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
            value = type(value)(*(self._track(v) for v in value))
        elif isinstance(value, tuple):
            value = type(value)(self._track(v) for v in value)
        elif isinstance(value, (list, dict)) and not isinstance(value, (TrackedList, TrackedDict)):
            if isinstance(value, list):
                value = TrackedList([self._track(v) for v in value], self)
            else:
                value = TrackedDict({k: self._track(v) for k, v in value.items()}, self)
        return value

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables) + [v for m in self._metrics for v in m.variables]

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        if "_variables" not in self.__dict__:
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method. Go add it!")
        variable = Variable(_initializer(initializer), shape=tuple(shape), dtype=dtype,
                            trainable=False, name=name, path=f"{self.name}/{name}",
                            aggregation=aggregation, synchronization="on_read")
        self._track(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        for v in self.variables:
            v.assign(onp.zeros(v.shape, dtype=v.dtype))

    # --- the same three, as functions of the state (Keras's stateless API) -----------------
    def _check_state(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {len(self.variables)} variables.")
        return [(v, value.numpy() if isinstance(value, Variable) else value)
                for v, value in zip(self.variables, metric_variables)]

    def _run_stateless(self, mapping, fn, *args, **kwargs):
        """Runs `fn` with the variables bound to `mapping`; returns its result and the state
        after it (an assign inside changes only the bound values)."""
        with StatelessScope(mapping) as scope:
            out = fn(*args, **kwargs)
        state = [scope.get_current_value(v) for v in self.variables]  # None: created inside
        return out, [v.numpy() if new is None else onp.asarray(untraced(new), dtype=v.dtype)
                     for v, new in zip(self.variables, state)]

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """`update_state` on the given state values; returns the new values, leaving the
        metric's variables unchanged."""
        return self._run_stateless(self._check_state(metric_variables), self.update_state,
                                   *args, **kwargs)[1]

    def stateless_result(self, metric_variables):
        """`result()` computed from the given state values."""
        return self._run_stateless(self._check_state(metric_variables), self.result)[0]

    def stateless_reset_state(self):
        """The state values `reset_state` would give, leaving the variables unchanged."""
        return self._run_stateless([(v, v.numpy()) for v in self.variables], self.reset_state)[1]

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
