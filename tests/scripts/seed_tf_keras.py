# The tf.keras forms of the seed documents.
import numpy as np
import tensorflow as tf

dense_layer_tf = tf.keras.layers.Dense(units=64, activation='relu')
dropout_tf = tf.keras.layers.Dropout(rate=0.5)
out = dropout_tf(dense_layer_tf(np.ones((2, 32), dtype='float32')))
assert out.shape == (2, 64)

conv_layer_tf = tf.keras.layers.Conv2D(filters=32, kernel_size=(3,3), activation='relu')
assert conv_layer_tf(np.ones((1, 8, 8, 3), dtype='float32')).shape == (1, 6, 6, 32)

rnn_layer_tf = tf.keras.layers.SimpleRNN(units=64, activation='tanh')
attention_layer_tf = tf.keras.layers.Attention()
batch_norm_tf = tf.keras.layers.BatchNormalization()
lstm_tf = tf.keras.layers.LSTM(units=64)
gru_tf = tf.keras.layers.GRU(units=64)

sequences = np.random.default_rng(0).random((3, 7, 32)).astype('float32')
for layer in (rnn_layer_tf, lstm_tf, gru_tf):
    assert layer(sequences).shape == (3, 64)
query, value = sequences[:, :4], sequences
assert attention_layer_tf([query, value]).shape == (3, 4, 32)
assert batch_norm_tf(sequences, training=True).shape == (3, 7, 32)
print("seed_tf_keras ok")
