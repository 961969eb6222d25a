"""`keras.preprocessing.image`: load_img, img_to_array, array_to_img, save_img, smart_resize."""
from minikeras.utils.image_utils import (  # noqa: F401
    array_to_img, img_to_array, load_img, save_img, smart_resize)
