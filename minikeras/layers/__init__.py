"""`keras.layers`."""
from minikeras.layers.layer import InputSpec, Layer  # noqa: F401
from minikeras.layers import op_layer as _op_layer  # noqa: F401  (records ops on KerasTensors)
from minikeras.layers.core import Dense, Identity, Input, InputLayer  # noqa: F401
from minikeras.layers.activations import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from minikeras.layers.merging import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
    add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from minikeras.layers.reshaping import Flatten, Permute, RepeatVector, Reshape  # noqa: F401
from minikeras.layers.lambda_layer import Lambda  # noqa: F401
from minikeras.layers.normalization import (  # noqa: F401
    BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization)
from minikeras.layers.rms_normalization import RMSNormalization  # noqa: F401
from minikeras.layers.padding import (  # noqa: F401
    Cropping1D, Cropping2D, Cropping3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from minikeras.layers.upsampling import UpSampling1D, UpSampling2D, UpSampling3D  # noqa: F401
from minikeras.layers.regularization import (  # noqa: F401
    ActivityRegularization, AlphaDropout, Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
    SpatialDropout2D, SpatialDropout3D)
from minikeras.layers.convolutional import (  # noqa: F401
    Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D)
from minikeras.layers.conv_transpose import (  # noqa: F401
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, Convolution1DTranspose,
    Convolution2DTranspose, Convolution3DTranspose)
from minikeras.layers.depthwise import (  # noqa: F401
    DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
    SeparableConvolution2D)
from minikeras.layers.preprocessing import (  # noqa: F401
    CategoryEncoding, Discretization, HashedCrossing, Hashing, IntegerLookup, StringLookup,
    Normalization, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing)
from minikeras.layers.pooling import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
    GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
    MaxPooling1D, MaxPooling2D, MaxPooling3D)
from minikeras.layers.adaptive_pooling import (  # noqa: F401
    AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from minikeras.layers.embedding import Embedding, Masking  # noqa: F401
from minikeras.layers.reversible_embedding import ReversibleEmbedding  # noqa: F401
from minikeras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper  # noqa: F401
from minikeras.layers.spectral_normalization import SpectralNormalization  # noqa: F401
from minikeras.layers.rnn import RNN, SimpleRNN, SimpleRNNCell, StackedRNNCells  # noqa: F401
from minikeras.layers.lstm import LSTM, LSTMCell  # noqa: F401
from minikeras.layers.gru import GRU, GRUCell  # noqa: F401
from minikeras.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: F401
from minikeras.layers.preprocessing.stft_spectrogram import STFTSpectrogram  # noqa: F401
from minikeras.layers.preprocessing.mel_spectrogram import MelSpectrogram  # noqa: F401
from minikeras.layers.einsum_dense import EinsumDense  # noqa: F401
from minikeras.layers.attention import AdditiveAttention, Attention  # noqa: F401
from minikeras.layers.multi_head_attention import MultiHeadAttention  # noqa: F401
from minikeras.layers.grouped_query_attention import GroupedQueryAttention  # noqa: F401
GroupQueryAttention = GroupedQueryAttention  # Keras's public name (its class keeps the longer one)
from minikeras.saving.serialization_lib import serialize_keras_object as serialize  # noqa: F401,E402
from minikeras.saving.serialization_lib import deserialize_keras_object as deserialize  # noqa: F401,E402
from minikeras.layers.preprocessing.text_vectorization import TextVectorization  # noqa: F401,E402
from minikeras.layers.preprocessing import (  # noqa: F401,E402  (image augmentation)
    AutoContrast, Equalization, RandomBrightness, RandomColorDegeneration, RandomColorJitter,
    RandomContrast, RandomGrayscale, RandomHue, RandomInvert, RandomPosterization,
    RandomSaturation, RandomSharpness, Solarization, CenterCrop,
    ContrastLimitedAdaptiveHistogramEqualization, RandomElasticTransform, RandomErasing,
    RandomGaussianBlur, RandomPerspective, RandomShear, AugMix, CutMix, MaxNumBoundingBoxes,
    MixUp, Pipeline, RandAugment)
from minikeras.layers.framework_wrappers import (  # noqa: F401  (refused: other frameworks)
    FlaxLayer, JaxLayer, TFSMLayer, TorchModuleWrapper)
