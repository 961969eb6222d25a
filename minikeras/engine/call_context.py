"""The layer calls in progress in this thread (Keras's call context): how deeply they are nested,
and the `training` flag an outer call passes down to the layers it calls. Thread-local, as in
Keras: a model called in one thread does not see another thread's flag."""
import threading


class CallContext(threading.local):
    depth = 0        # 0: no layer call in progress (the next call is an outermost one)
    training = None  # the flag of the innermost call that was given one


call_context = CallContext()
