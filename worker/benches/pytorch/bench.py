"""PyTorch-on-CPU baseline for mlchain's "training steps/s" benchmark.

Trains the same two models as the engine (worker/src/model/*.rs), with the same optimiser
(worker/src/optim.rs), loss (worker/src/kernels/loss.rs), batch size and kind of data, in fp32 on
the CPU, and prints one JSON object per model on stdout. Run it through run.sh, which installs
the pinned torch first (setup.sh).

THE TWO CONFIGURATIONS (the Rust criterion bench uses the same ones)
--------------------------------------------------------------------
mlp-mnist
    engine spec: ModelSpec::Mlp { inputs: 784, hidden: [256, 128], outputs: 10,
                 activation: Gelu, dropout_ppb: 100_000_000 }, batch_size 64,
                 loss CrossEntropy, optimizer AdamW (below).
    layers:      Linear(784,256) -> GELU(tanh) -> Dropout(0.1) -> Linear(256,128) -> GELU(tanh)
                 -> Dropout(0.1) -> Linear(128,10). Dropout after each hidden activation only
                 (inverted dropout, as the engine), none on the output.
    parameters:  235,146 (200,704 + 256 + 32,768 + 128 + 1,280 + 10).
    data:        1,024 examples of 784 features uniform in [0, 1), labels uniform in 0..9.

transformer-small
    engine spec: ModelSpec::Transformer { vocab: 64, context: 32, width: 64, heads: 4,
                 layers: 2 }, batch_size 16, loss CrossEntropy, optimizer AdamW (below).
    layers:      learned token (64x64) and position (32x64) embeddings, added; 2 pre-norm blocks
                 x += proj(causal_attention(qkv(LN(x))));  x += down(GELU_tanh(up(LN(x))))
                 with qkv 64->192 (columns [q | k | v], each split into 4 heads of 16),
                 scores q.k^T / sqrt(16), causal mask (query i sees keys 0..=i), proj 64->64,
                 up 64->256, down 256->64; then LN and a linear head 64->64 (not tied to the
                 token embedding). Every LN is over the last dim, eps 1e-5, WITHOUT learned
                 gain/bias (the engine has none). No dropout anywhere in the transformer.
    parameters:  109,760 (embeddings 4,096 + 2,048; per block 12,480 + 4,160 + 16,640 +
                 16,448 = 49,728; head 4,160).
    data:        1,024 sequences of 33 tokens uniform in 0..63; input = tokens 0..31,
                 labels = tokens 1..32 (next token at every position). Loss = mean
                 cross-entropy over the 16 x 32 = 512 positions of the batch.

Shared by both
    optimiser:   AdamW lr 1e-3 (constant), betas (0.9, 0.999), eps 1e-8, weight decay 0.01,
                 decoupled, on EVERY parameter (biases and embeddings too, as the engine);
                 engine spec: AdamW { beta1_ppb: 900_000_000, beta2_ppb: 999_000_000,
                 eps_ppb: 10, weight_decay_ppb: 10_000_000 }, LrSchedule::Constant
                 { lr_ppb: 1_000_000 }. (The schedule does not change the cost of a step.)
    init:        weights uniform in +-1/sqrt(fan_in), biases 0; embedding tables uniform in
                 +-1/sqrt(width) (the engine's init; it does not change the cost either).
    data order:  each epoch a seeded random permutation of the 1,024 examples; step t takes
                 positions t*B .. (t+1)*B of the concatenated epochs (the engine's DataOrder).
                 Gathering the batch is inside the timed step, as in the engine's step.
    one step:    gather batch -> forward -> mean cross-entropy -> backward -> AdamW update ->
                 read the loss as a Python float (the engine's step returns it).
    timing:      fp32, torch.set_num_threads(N); 20 warm-up steps, then steps until >= 3 s
                 have passed; steps/s = timed steps / timed seconds.
    seeds:       torch.manual_seed(0) for init and dropout; data from generator seed 1234,
                 data order from generator seed 4321.

Defaults are PyTorch's own CPU defaults: nn.Linear (x @ W^T + b, one addmm), explicit attention
matmuls with a -inf mask and softmax (--attention sdpa switches to the fused
F.scaled_dot_product_attention), and torch.optim.AdamW's default CPU implementation, the
per-tensor for-loop (--adamw foreach|fused switch to the multi-tensor / fused CPU kernels).
"""

import argparse
import json
import math
import sys
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATASET_SIZE = 1024
INIT_SEED = 0
DATA_SEED = 1234
ORDER_SEED = 4321

OPTIMISER = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

CONFIGS = {
    "mlp-mnist": dict(kind="mlp", inputs=784, hidden=[256, 128], outputs=10, dropout=0.1, batch=64),
    "transformer-small": dict(kind="transformer", vocab=64, context=32, width=64, heads=4, layers=2, batch=16),
}
EXPECTED_PARAMS = {"mlp-mnist": 235_146, "transformer-small": 109_760}


def engine_init_(linear: nn.Linear) -> nn.Linear:
    """The engine's init: weight uniform in +-1/sqrt(fan_in), bias zero."""
    bound = 1.0 / math.sqrt(linear.in_features)
    nn.init.uniform_(linear.weight, -bound, bound)
    nn.init.zeros_(linear.bias)
    return linear


def mlp(inputs, hidden, outputs, dropout):
    widths = [inputs, *hidden, outputs]
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(engine_init_(nn.Linear(a, b)))
        if i < len(widths) - 2:
            layers.append(nn.GELU(approximate="tanh"))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, width, heads, attention):
        super().__init__()
        self.heads, self.attention = heads, attention
        self.qkv = engine_init_(nn.Linear(width, 3 * width))
        self.proj = engine_init_(nn.Linear(width, width))
        self.up = engine_init_(nn.Linear(width, 4 * width))
        self.down = engine_init_(nn.Linear(4 * width, width))

    def forward(self, h, causal):
        b, t, w = h.shape
        d = w // self.heads
        qkv = self.qkv(F.layer_norm(h, (w,), eps=1e-5))
        # (b, t, 3*w) -> (3, b, heads, t, d): columns are [q | k | v], each head-major.
        q, k, v = qkv.view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        if self.attention == "sdpa":
            mixed = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
            scores = scores.masked_fill(~causal, float("-inf"))
            mixed = scores.softmax(dim=-1) @ v
        mixed = mixed.transpose(1, 2).reshape(b, t, w)
        h = h + self.proj(mixed)
        up = F.gelu(self.up(F.layer_norm(h, (w,), eps=1e-5)), approximate="tanh")
        return h + self.down(up)


class Transformer(nn.Module):
    def __init__(self, vocab, context, width, heads, layers, attention):
        super().__init__()
        bound = 1.0 / math.sqrt(width)
        self.tokens = nn.Parameter(torch.empty(vocab, width).uniform_(-bound, bound))
        self.positions = nn.Parameter(torch.empty(context, width).uniform_(-bound, bound))
        self.blocks = nn.ModuleList(Block(width, heads, attention) for _ in range(layers))
        self.head = engine_init_(nn.Linear(width, vocab))
        self.register_buffer("causal", torch.ones(context, context, dtype=torch.bool).tril(), persistent=False)

    def forward(self, ids):
        b, t = ids.shape
        h = F.embedding(ids, self.tokens) + self.positions[:t]
        for block in self.blocks:
            h = block(h, self.causal[:t, :t])
        # (b*t, vocab): one row per position, as the engine's forward.
        return self.head(F.layer_norm(h, (h.shape[-1],), eps=1e-5)).reshape(b * t, -1)


def build(name, attention):
    c = CONFIGS[name]
    if c["kind"] == "mlp":
        model = mlp(c["inputs"], c["hidden"], c["outputs"], c["dropout"])
    else:
        model = Transformer(c["vocab"], c["context"], c["width"], c["heads"], c["layers"], attention)
    return model


def dataset(name):
    c = CONFIGS[name]
    g = torch.Generator().manual_seed(DATA_SEED)
    if c["kind"] == "mlp":
        x = torch.rand(DATASET_SIZE, c["inputs"], generator=g)
        y = torch.randint(0, c["outputs"], (DATASET_SIZE,), generator=g)
    else:
        seqs = torch.randint(0, c["vocab"], (DATASET_SIZE, c["context"] + 1), generator=g)
        x, y = seqs[:, :-1].contiguous(), seqs[:, 1:].contiguous()
    return x, y


class DataOrder:
    """Epoch-wise seeded permutations; step t takes positions t*B..(t+1)*B of the epochs."""

    def __init__(self, n, batch):
        self.n, self.batch = n, batch
        self.gen = torch.Generator().manual_seed(ORDER_SEED)
        self.epoch, self.perm = -1, None

    def batch_rows(self, step):
        positions = torch.arange(step * self.batch, (step + 1) * self.batch)
        epochs = positions // self.n
        if bool((epochs == epochs[0]).all()):
            return self._perm(int(epochs[0]))[positions % self.n]
        return torch.stack([self._perm(int(p) // self.n)[int(p) % self.n] for p in positions])

    def _perm(self, epoch):
        # Epochs are visited in order (the benchmark never seeks backwards).
        while self.epoch < epoch:
            self.perm, self.epoch = torch.randperm(self.n, generator=self.gen), self.epoch + 1
        return self.perm


def optimiser(model, impl):
    kwargs = dict(OPTIMISER)
    if impl == "foreach":
        kwargs["foreach"] = True
    elif impl == "fused":
        kwargs["fused"] = True
    return torch.optim.AdamW(model.parameters(), **kwargs)


def run(name, args):
    torch.manual_seed(INIT_SEED)
    c = CONFIGS[name]
    model = build(name, args.attention)
    model.train()
    params = sum(p.numel() for p in model.parameters())
    if params != EXPECTED_PARAMS[name]:
        raise SystemExit(f"{name}: {params} parameters, the engine's model has {EXPECTED_PARAMS[name]}")
    opt = optimiser(model, args.adamw)
    x, y = dataset(name)
    order = DataOrder(DATASET_SIZE, c["batch"])

    def step(t):
        rows = order.batch_rows(t)
        xb, yb = x[rows], y[rows]
        loss = F.cross_entropy(model(xb), yb.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    t = 0
    first_loss = None
    for _ in range(args.warmup):
        loss = step(t)
        first_loss = loss if first_loss is None else first_loss
        t += 1
    timed, durations = 0, []
    start = time.perf_counter()
    last = start
    while True:
        loss = step(t)
        t += 1
        timed += 1
        now = time.perf_counter()
        durations.append(now - last)
        last = now
        if now - start >= args.min_seconds and timed >= args.min_steps:
            break
    seconds = last - start
    if not math.isfinite(loss):
        raise SystemExit(f"{name}: loss is {loss}")
    durations.sort()
    return {
        "name": name,
        "batch": c["batch"],
        "steps_per_s": round(timed / seconds, 2),
        "seconds": round(seconds, 3),
        "steps": timed,
        "ms_per_step": round(1e3 * seconds / timed, 4),
        "ms_per_step_median": round(1e3 * durations[len(durations) // 2], 4),
        "warmup_steps": args.warmup,
        "params": params,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "attention": args.attention if c["kind"] == "transformer" else None,
        "adamw": args.adamw,
        "dtype": "float32",
        "loss_first": round(first_loss, 5) if first_loss is not None else None,
        "loss_last": round(loss, 5),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads(N) (default 1)")
    p.add_argument("--models", default=",".join(CONFIGS), help="comma-separated, from: " + ", ".join(CONFIGS))
    p.add_argument("--warmup", type=int, default=20, help="untimed steps first (default 20)")
    p.add_argument("--min-seconds", type=float, default=3.0, help="time at least this long (default 3)")
    p.add_argument("--min-steps", type=int, default=10, help="and at least this many steps (default 10)")
    p.add_argument("--attention", choices=["manual", "sdpa"], default="manual",
                   help="explicit matmul+mask+softmax (default, mirrors the engine) or fused SDPA")
    p.add_argument("--adamw", choices=["default", "foreach", "fused"], default="default",
                   help="torch.optim.AdamW implementation (default: PyTorch's CPU default, for-loop)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.models.split(","):
        if name not in CONFIGS:
            raise SystemExit(f"unknown model {name!r}; choose from {', '.join(CONFIGS)}")
        print(json.dumps(run(name, args)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
