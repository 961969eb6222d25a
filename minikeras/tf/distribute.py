"""`tf.distribute`: single-device strategies, so distributed-training tutorials run on one CPU.

Every strategy has one replica (`num_replicas_in_sync == 1`): `scope()` only marks the strategy
as current, `run(fn, args)` calls `fn(*args)`, `experimental_distribute_dataset` returns the
dataset, and `reduce` over one replica reduces only along `axis` when given.
"""
import contextlib
import enum

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.tf._core import op as _op, read as _read

_stack = []  # the strategies whose scope() is open, innermost last


class ReduceOp(enum.Enum):
    """How `Strategy.reduce` combines values: SUM or MEAN."""
    SUM = "SUM"
    MEAN = "MEAN"


class InputContext:
    """What `distribute_datasets_from_function` passes its function: one input pipeline."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        """The global batch size (one replica)."""
        return global_batch_size


class Strategy:
    """A distribution strategy over one device."""

    num_replicas_in_sync = 1

    def __init__(self, *args, **kwargs):
        self.extended = self

    @contextlib.contextmanager
    def scope(self):
        """`with strategy.scope():` makes this the current strategy (`tf.distribute.get_strategy`)."""
        _stack.append(self)
        try:
            yield self
        finally:
            _stack.remove(self)

    def run(self, fn, args=(), kwargs=None, options=None):
        """fn(*args, **kwargs), on the one replica."""
        return fn(*args, **(kwargs or {}))

    def experimental_distribute_dataset(self, dataset, options=None):
        """The dataset itself (one replica gets every batch)."""
        return dataset

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """dataset_fn(InputContext()): the one pipeline's dataset."""
        return dataset_fn(InputContext())

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_local_results(self, value):
        """(value,): the values of the one replica."""
        return (value,)

    def reduce(self, reduce_op, value, axis=None):
        """The replicas' values combined: with one replica, `value` itself, summed or averaged
        along `axis` when given."""
        name = reduce_op.value if isinstance(reduce_op, ReduceOp) else str(reduce_op).upper()
        if name not in ("SUM", "MEAN"):
            raise ValueError(f"`reduce_op` must be ReduceOp.SUM or ReduceOp.MEAN. Received: "
                             f"{reduce_op!r}")
        return _reduce(value, name, axis)

    def gather(self, value, axis):
        """The replicas' values concatenated along `axis`: `value` itself."""
        return value

    def __repr__(self):
        return f"<{type(self).__name__} (minikeras: one CPU replica)>"


@_op
def _reduce(value, name, axis):
    x = _read(value)
    if axis is None:
        return x
    return (ops.sum if name == "SUM" else ops.mean)(x, axis=axis)


class MirroredStrategy(Strategy):
    """`tf.distribute.MirroredStrategy(devices=None, ...)`: one replica on the CPU."""


class OneDeviceStrategy(Strategy):
    """`tf.distribute.OneDeviceStrategy(device)`: the one device."""


class MultiWorkerMirroredStrategy(Strategy):
    """One worker, one replica."""


_default = Strategy()


def get_strategy():
    """The strategy whose scope is open, else the default (one-replica) strategy."""
    return _stack[-1] if _stack else _default


def has_strategy():
    """Whether a strategy's scope is open."""
    return bool(_stack)


def in_cross_replica_context():
    """True (code never runs inside a replica function here)."""
    return True


class ReplicaContext:
    """The context of the one replica."""
    num_replicas_in_sync = 1
    replica_id_in_sync_group = 0

    def __init__(self, strategy=None):
        self.strategy = strategy or get_strategy()

    def all_reduce(self, reduce_op, value, options=None):
        """The value itself (one replica)."""
        return value


def get_replica_context():
    """The one replica's context."""
    return ReplicaContext()

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
