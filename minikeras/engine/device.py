"""`keras.device`: device placement. minikeras computes on the CPU with numpy, as Keras's numpy
backend does, so the scope accepts any device name and changes nothing."""
import contextlib


@contextlib.contextmanager
def device(device_name):
    """A scope placing operations on `device_name` ("cpu:0", "gpu:0"); a no-op on numpy."""
    yield
