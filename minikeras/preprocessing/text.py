"""`keras.preprocessing.text` (tf.keras / Keras 2; in Keras 3 under keras.src.legacy): Tokenizer,
text_to_word_sequence, one_hot, hashing_trick, tokenizer_from_json.

Word indices: 1 for `oov_token` if given, then words by decreasing count over all fitted texts
(ties in first-seen order: Python's sort is stable); 0 is never a word.
"""
import collections
import hashlib
import json
import warnings

import numpy as onp

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """Lower-cases, turns every character of `filters` into `split`, splits, drops empties."""
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word -> hash(word) % (n - 1) + 1 (hash_function "md5" is stable across runs;
    the default Python `hash` is salted per process)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    words = (text_to_word_sequence(text, filters=filters, lower=lower, split=split)
             if analyzer is None else analyzer(text))
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """`hashing_trick` with Python's `hash` (not a one-hot matrix, despite the name)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Maps words to integer indices by frequency (the Keras 1/2 text utility).

    Args:
        num_words: keep only words with index < num_words when converting texts (the
            vocabulary itself keeps every word).
        filters: characters replaced by `split` before splitting.
        lower: lower-case the texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: if given, takes index 1 and stands for unknown (or cut) words.
        analyzer: a callable text -> tokens replacing the built-in splitting.
    Attributes: word_counts, word_docs, word_index, index_word, index_docs, document_count.
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {str(kwargs)}")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.index_docs = collections.defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words, self.document_count = num_words, document_count
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.word_index, self.index_word = {}, {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    def fit_on_texts(self, texts):
        """Counts words over `texts` (strings, or lists of tokens) and rebuilds word_index."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Document frequencies from integer sequences (for `sequences_to_matrix` "tfidf")."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yields each text's word indices; unknown words (and those >= num_words) become the
        oov index, or are dropped when there is no oov_token."""
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and not (self.num_words and i >= self.num_words):
                    vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None and not (self.num_words and num >= self.num_words):
                    words.append(word)
                elif self.oov_token is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """(len(sequences), num_words) float64 matrix; entry j of row i for mode
        binary: 1 if j occurs; count: c; freq: c / len(seq);
        tfidf: (1 + log c) * log(1 + documents / (1 + docs containing j)).
        """
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = onp.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            counts = collections.Counter(j for j in seq if j < num_words)
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c  # untraced numpy
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                elif mode == "tfidf":
                    idf = onp.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = (1 + onp.log(c)) * idf
                else:
                    raise ValueError("Unknown vectorization mode:", mode)
        return x

    def get_config(self):
        dumps = json.dumps
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
                "document_count": self.document_count,
                "word_counts": dumps(self.word_counts), "word_docs": dumps(self.word_docs),
                "index_docs": dumps(self.index_docs), "index_word": dumps(self.index_word),
                "word_index": dumps(self.word_index)}

    def to_json(self, **kwargs):
        """JSON of {"class_name": "Tokenizer", "config": get_config()} (kwargs to json.dumps)."""
        return json.dumps({"class_name": self.__class__.__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """The Tokenizer saved by `Tokenizer.to_json` (plain JSON data: nothing is executed)."""
    config = dict(json.loads(json_string).get("config"))
    tables = {k: json.loads(config.pop(k)) for k in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = tables["word_counts"]
    tokenizer.word_docs = tables["word_docs"]
    tokenizer.index_docs = {int(k): v for k, v in tables["index_docs"].items()}
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
