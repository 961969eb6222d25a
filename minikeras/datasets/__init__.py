"""`keras.datasets`, plus `digits`: a small real dataset shipped inside the package."""
from minikeras.datasets import digits  # noqa: F401
