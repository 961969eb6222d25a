"""`tf.data.Options`: pipeline settings, accepted and kept so tutorials that set them run.

minikeras runs a pipeline serially, in order, in the calling thread, so none of these settings
changes what is computed; they are stored and merged along the pipeline as TensorFlow does
(`dataset.options()` reads them back). Setting a name TensorFlow does not know raises its
AttributeError, so a typo is not silently ignored.
"""
import enum


class AutoShardPolicy(enum.IntEnum):
    """`tf.data.experimental.AutoShardPolicy` (used with multi-worker training)."""
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class AutotuneAlgorithm(enum.IntEnum):
    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class ExternalStatePolicy(enum.IntEnum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class _OptionGroup:
    """A set of named options, each None until set; unknown names raise AttributeError."""

    _names = ()

    def __init__(self):
        for name in self._names:
            object.__setattr__(self, name, None)

    def __setattr__(self, name, value):
        if name not in self._names:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        object.__setattr__(self, name, value)

    def _merge(self, other):
        for name in self._names:
            value = getattr(other, name)
            if isinstance(value, _OptionGroup):
                getattr(self, name)._merge(value)
            elif value is not None:
                object.__setattr__(self, name, value)

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self._names)

    def __repr__(self):
        set_names = {n: getattr(self, n) for n in self._names if getattr(self, n) is not None}
        return f"{type(self).__name__}({set_names})"


class AutotuneOptions(_OptionGroup):
    _names = ("enabled", "cpu_budget", "ram_budget", "autotune_algorithm",
              "initial_parallelism", "min_parallelism")


class DistributeOptions(_OptionGroup):
    _names = ("auto_shard_policy", "num_devices")


class OptimizationOptions(_OptionGroup):
    _names = ("apply_default_optimizations", "filter_fusion", "filter_parallelization",
              "inject_prefetch", "map_and_batch_fusion", "map_and_filter_fusion", "map_fusion",
              "map_parallelization", "noop_elimination", "parallel_batch", "seq_interleave_prefetch",
              "shuffle_and_repeat_fusion")


class ThreadingOptions(_OptionGroup):
    _names = ("max_intra_op_parallelism", "private_threadpool_size")


class Options(_OptionGroup):
    """`tf.data.Options()`: set attributes, then `dataset.with_options(options)`."""

    _names = ("autotune", "deterministic", "experimental_deterministic",
              "experimental_distribute", "experimental_external_state_policy",
              "experimental_optimization", "experimental_service", "experimental_slack",
              "experimental_symbolic_checkpoint", "experimental_threading",
              "experimental_warm_start", "threading",
              "dataset_name", "framework_type")

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "autotune", AutotuneOptions())
        object.__setattr__(self, "experimental_distribute", DistributeOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "threading", ThreadingOptions())

    def merge(self, options):
        """A new Options: these, overridden by whatever `options` sets."""
        merged = Options()
        merged._merge(self)
        merged._merge(options)
        return merged
