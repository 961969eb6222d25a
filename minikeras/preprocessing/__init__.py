"""`keras.preprocessing`: `keras.preprocessing.sequence.pad_sequences`."""
from minikeras.preprocessing import sequence  # noqa: F401
from minikeras.preprocessing import image, text  # noqa: F401,E402
from minikeras.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401,E402
from minikeras.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401,E402
from minikeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: F401,E402
