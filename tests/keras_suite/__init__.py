"""Keras's own unit tests, run on minikeras: the import hook, our port of Keras's TestCase, and
the runner that reports per module and enforces the ratchet (see run.py)."""
