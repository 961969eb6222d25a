"""The plain PyTorch twins of bench/workloads.py's models, and their timed loop.

Written the way a PyTorch user would: logits with a fused loss (CrossEntropyLoss,
BCEWithLogitsLoss), NCHW images, nn.LSTM, nn.MultiheadAttention, shuffled batches of 128, the
same optimizers with Keras's defaults. Only imported when torch is installed.
"""
import time

import numpy as np

from workloads import (BATCH, LSTM_EMBED, LSTM_UNITS, NAMES, TF_EMBED, TF_FF, TF_HEADS, TF_STEPS,
                       VOCAB)


def torch_workload(name, torch, x, y):
    """(module, loss_fn, optimizer, inputs, targets, output activation) for workload `name`.
    Optimizer hyper-parameters follow Keras's defaults (lr 1e-3, epsilon 1e-7, RMSprop rho 0.9)."""
    nn = torch.nn
    targets = torch.from_numpy(np.asarray(y, dtype=np.int64))
    loss_fn, final = nn.CrossEntropyLoss(), (lambda t: torch.softmax(t, dim=-1))
    inputs = torch.from_numpy(x)
    if name == "mlp":
        net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 64),
                            nn.ReLU(), nn.Linear(64, 10))
    elif name == "cnn":
        inputs = inputs.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW, once, before timing
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 64),
                            nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    elif name == "lstm":
        inputs, targets = inputs.long(), torch.from_numpy(y)
        net, loss_fn, final = _torch_lstm(torch), nn.BCEWithLogitsLoss(), torch.sigmoid
    elif name == "transformer":
        inputs, net = inputs.long(), _torch_transformer(torch)
    else:
        raise ValueError(f"Unknown workload: {name!r}. Expected one of {NAMES}")
    if name == "lstm":
        opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    return net, loss_fn, opt, inputs, targets, final


def _torch_lstm(torch):
    nn = torch.nn

    class LSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, LSTM_EMBED)
            self.lstm = nn.LSTM(LSTM_EMBED, LSTM_UNITS, batch_first=True)
            self.out = nn.Linear(LSTM_UNITS, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.emb(x))
            return self.out(h[-1])
    return LSTMNet()


def _torch_transformer(torch):
    nn = torch.nn

    class TransformerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, TF_EMBED)
            self.pos = nn.Embedding(TF_STEPS, TF_EMBED)
            self.att = nn.MultiheadAttention(TF_EMBED, TF_HEADS, batch_first=True)
            self.ffn = nn.Sequential(nn.Linear(TF_EMBED, TF_FF), nn.ReLU(), nn.Linear(TF_FF, TF_EMBED))
            self.norm1 = nn.LayerNorm(TF_EMBED, eps=1e-6)
            self.norm2 = nn.LayerNorm(TF_EMBED, eps=1e-6)
            self.drop1, self.drop2 = nn.Dropout(0.1), nn.Dropout(0.1)
            self.out = nn.Linear(TF_EMBED, 2)
            self.register_buffer("positions", torch.arange(TF_STEPS))

        def forward(self, x):
            h = self.tok(x) + self.pos(self.positions)
            a, _ = self.att(h, h, h, need_weights=False)
            h = self.norm1(h + self.drop1(a))
            h = self.norm2(h + self.drop2(self.ffn(h)))
            return self.out(h.mean(dim=1))
    return TransformerNet()


def torch_time_fit_predict(torch, name, x, y, repeats):
    """The PyTorch loop's warm-up epoch and predict, then `repeats` timed of each."""
    torch.manual_seed(0)
    net, loss_fn, opt, inputs, targets, final = torch_workload(name, torch, x, y)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        net.train()
        order = torch.randperm(len(inputs), generator=gen)
        for start in range(0, len(inputs), BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(inputs[idx]), targets[idx]).backward()
            opt.step()

    def predict():
        net.eval()
        with torch.no_grad():
            return torch.cat([final(net(inputs[s:s + BATCH])) for s in range(0, len(inputs), BATCH)])

    epoch()
    predict()
    return {"fit": [_timed(epoch) for _ in range(repeats)],
            "predict": [_timed(predict) for _ in range(repeats)]}


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
