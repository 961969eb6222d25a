"""`keras.utils`: labels, normalisation, padding, seeding and the progress bar."""
from minikeras.engine.random import set_random_seed  # noqa: F401
from minikeras.utils.numerical_utils import normalize, to_categorical  # noqa: F401
from minikeras.utils.progbar import Progbar  # noqa: F401
from minikeras.utils.sequence_utils import pad_sequences  # noqa: F401
from minikeras.utils.file_utils import get_file  # noqa: F401
from minikeras.saving.object_registration import (  # noqa: F401,E402
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from minikeras.saving.serialization_lib import (  # noqa: F401,E402
    deserialize_keras_object, serialize_keras_object)
from minikeras.utils import legacy  # noqa: F401,E402  keras.utils.legacy (Keras 2's format)
from minikeras.utils.py_dataset import PyDataset, Sequence  # noqa: F401,E402
from minikeras.utils.data_adapter_utils import (  # noqa: F401,E402
    pack_x_y_sample_weight, unpack_x_y_sample_weight)
from minikeras.utils.dataset_utils import split_dataset  # noqa: F401,E402
from minikeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: F401,E402
from minikeras.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401,E402
from minikeras.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401,E402
from minikeras.utils.audio_dataset_utils import audio_dataset_from_directory  # noqa: F401,E402
from minikeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401,E402
from minikeras.utils.model_visualization import model_to_dot, model_to_text, plot_model  # noqa: F401,E402
from minikeras.ops.operation_utils import get_source_inputs  # noqa: F401,E402
from minikeras.utils.global_state import clear_session  # noqa: F401,E402
from minikeras.engine.keras_tensor import is_keras_tensor  # noqa: F401,E402
from minikeras.engine.dtypes import standardize_dtype  # noqa: F401,E402
from minikeras.utils.config import Config  # noqa: F401,E402
from minikeras.engine.config import (  # noqa: F401,E402
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)


def __getattr__(name):  # FeatureSpace is built on layers that import this package: load on use
    if name == "FeatureSpace":
        from minikeras.utils.feature_space import FeatureSpace
        return FeatureSpace
    if name == "bounding_boxes":  # keras.utils.bounding_boxes lives with the image layers
        from minikeras.layers.preprocessing import bounding_boxes
        return bounding_boxes
    raise AttributeError(f"module 'minikeras.utils' has no attribute '{name}'")
