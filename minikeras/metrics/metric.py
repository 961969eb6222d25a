"""`Metric`, the base class of every metric: state in non-trainable variables, updated with
`update_state`, read with `result`, cleared with `reset_state` (Keras's `metrics/metric.py`)."""
import numpy as onp

from minikeras import losses
from minikeras.engine.variable import Variable


def _initializer(identifier):
    if identifier in (None, "zeros", "Zeros"):
        return lambda shape, dtype=None: onp.zeros(shape, dtype=dtype)
    if identifier in ("ones", "Ones"):
        return lambda shape, dtype=None: onp.ones(shape, dtype=dtype)
    if isinstance(identifier, str):
        from minikeras import initializers
        return initializers.get(identifier)
    return identifier


class Metric:
    """Base class: subclasses create state with `add_variable` in `__init__` and implement
    `update_state` and `result`.

    Args:
        dtype: dtype of the metric's computations, `keras.config.floatx()` by default.
        name: defaults to the snake-cased class name.
    """

    _keras_module = "metrics"

    def __init__(self, dtype=None, name=None):
        self._variables, self._metrics = [], []
        self.name = name or losses.auto_name(type(self).__name__)
        self._dtype = losses.compute_dtype(dtype)

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

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
        self._variables.append(variable)
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
