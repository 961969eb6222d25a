"""`keras.utils`: labels, normalisation, padding, seeding and the progress bar."""
from minikeras.engine.random import set_random_seed  # noqa: F401
from minikeras.utils.numerical_utils import normalize, to_categorical  # noqa: F401
from minikeras.utils.progbar import Progbar  # noqa: F401
from minikeras.utils.sequence_utils import pad_sequences  # noqa: F401
from minikeras.utils.file_utils import get_file  # noqa: F401
