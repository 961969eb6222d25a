# The tf.keras forms of the seed documents.
import numpy as np
import tensorflow as tf

dense_layer_tf = tf.keras.layers.Dense(units=64, activation='relu')
dropout_tf = tf.keras.layers.Dropout(rate=0.5)
out = dropout_tf(dense_layer_tf(np.ones((2, 32), dtype='float32')))
assert out.shape == (2, 64)
print("seed_tf_keras ok")
