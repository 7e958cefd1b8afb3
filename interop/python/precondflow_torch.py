"""Rebuild a PrecondFlow model in PyTorch from the safetensors file that `precondflow export` writes.

Dependencies: torch and the Python standard library only (no `safetensors` package needed).

    import precondflow_torch as pf
    model = pf.load("model.safetensors")
    v = model.field(x, t, labels)            # the main flow's network, (batch, dim); labels only if conditional
    z, log_det = model.preconditioner(x)     # P(x) and log|det dP/dx| per point
    x_back = model.preconditioner.inverse(z) # P^-1(z)
    model.ema                                # the EMA network, or None

Rebuilt: the MLP field (time features, label embedding or one-hot), the UNet field, affine whitening, class-conditional whitening,
RealNVP and chains of them. The flow preconditioner (an ODE) is not rebuilt. Every map computes in the dtype of its
input, as PrecondFlow's do.

As a script, evaluates a model on the inputs of a second safetensors file (x, t and optionally labels) and writes
field / ema / p_forward / p_log_det / p_inverse to a third:

    python3 precondflow_torch.py model.safetensors inputs.safetensors outputs.safetensors
"""

import json
import math
import struct
import sys

import torch
from torch import nn

FORMAT = "precondflow-1"

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """Returns ({name: tensor}, {metadata key: string}) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: the header length {n} does not fit in the file's {len(data)} bytes")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + n
    tensors = {}
    for name, entry in header.items():
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has unknown dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        raw = bytearray(data[start + begin:start + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (and string metadata) as a safetensors file."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name, value in tensors.items():
        value = value.detach().cpu().contiguous()
        blob = value.numpy().tobytes() if value.dtype != torch.bfloat16 else value.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _NAMES[value.dtype], "shape": list(value.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def _take(tensors, prefix):
    """The tensors under `prefix`, with the prefix removed."""
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def _load_exact(module, state, what):
    """Loads a state dict whose names and shapes must match exactly (missing or extra tensors are errors)."""
    result = module.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(f"{what}: tensors do not match the configuration "
                         f"(missing {result.missing_keys}, unexpected {result.unexpected_keys})")


def _activation(name):
    return {"silu": nn.SiLU, "relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "elu": nn.ELU, "selu": nn.SELU}[name]()


def time_features(t, encoding, features):
    """(batch, 1) times -> (batch, width): t itself, or sin/cos at frequencies 2*pi*k, k geometric from 1 to 1000."""
    if encoding == "raw":
        return t
    half = features // 2
    exponents = torch.arange(half, dtype=t.dtype, device=t.device) / max(1, half - 1)
    frequencies = 2 * math.pi * torch.pow(torch.tensor(1000.0, dtype=t.dtype, device=t.device), exponents)
    angles = t * frequencies.unsqueeze(0)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class MlpField(nn.Module):
    """f(x, t, y) = MLP([x, time features of t, label features of y]), PrecondFlow's MlpVectorField."""

    def __init__(self, config):
        super().__init__()
        if config["kind"] != "mlp":
            raise ValueError(f"field kind '{config['kind']}' is not rebuilt in PyTorch (only 'mlp')")
        self.config = config
        self.dim = config["dim"]
        self.num_classes = config["num_classes"]
        inputs = self.dim + (1 if config["time"] == "raw" else config["time_features"])
        self.labelEmbedding = None
        if self.num_classes > 0:
            if config["labels"] == "embedding":
                self.labelEmbedding = nn.Embedding(self.num_classes + 1, config["label_features"])
                inputs += config["label_features"]
            else:
                inputs += self.num_classes + 1
        layers = []
        for width in config.get("hidden") or [128, 128]:
            layers += [nn.Linear(inputs, width), _activation(config["activation"])]
            inputs = width
        layers.append(nn.Linear(inputs, self.dim))
        self.network = nn.Sequential(*layers)

    def forward(self, x, t, labels=None):
        """x: (batch, dim); t: (batch, 1), (1, 1) or a number; labels: (batch) int64 in [0, num_classes] when conditional."""
        if not torch.is_tensor(t):
            t = torch.tensor([[float(t)]], dtype=x.dtype)
        t = t.reshape(-1, 1).expand(x.shape[0], 1).to(x.dtype)
        inputs = [x, time_features(t, self.config["time"], self.config["time_features"])]
        if self.num_classes > 0:
            if labels is None:
                raise ValueError(f"this field is conditional on {self.num_classes} classes: pass labels")
            labels = labels.long()
            inputs.append(self.labelEmbedding(labels) if self.labelEmbedding is not None
                          else nn.functional.one_hot(labels, self.num_classes + 1).to(x.dtype))
        return self.network(torch.cat(inputs, dim=1))


class _UNetResidualBlock(nn.Module):
    """GroupNorm, SiLU, 3x3 conv; FiLM by the embedding (h = norm(h)*(1 + scale) + shift); SiLU, (dropout), 3x3 conv; plus skip."""

    def __init__(self, inputs, outputs, width, groups, dropout=0.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, inputs)
        self.conv1 = nn.Conv2d(inputs, outputs, 3, padding=1)
        self.embedding = nn.Linear(width, 2 * outputs)
        self.norm2 = nn.GroupNorm(groups, outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1)
        self.dropout = nn.Dropout(dropout)  # acts in training mode only (PyTorch's own mask, not PrecondFlow's stream)
        self.skip = nn.Conv2d(inputs, outputs, 1) if inputs != outputs else None

    def forward(self, x, e):
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        scale, shift = self.embedding(nn.functional.silu(e))[:, :, None, None].chunk(2, dim=1)
        h = self.dropout(nn.functional.silu(self.norm2(h) * (1 + scale) + shift))
        h = self.conv2(h)
        return (x if self.skip is None else self.skip(x)) + h


class _UNetAttentionBlock(nn.Module):
    """x + proj(multi-head softmax(q^T k / sqrt(d)) attention over the pixels of qkv(GroupNorm(x)))."""

    def __init__(self, channels, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.projection = nn.Conv2d(channels, channels, 1)
        self.heads = heads

    def forward(self, x, e):
        b, c, h, w = x.shape
        d = c // self.heads
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, d, h * w).unbind(1)
        weights = (q.transpose(-1, -2) @ k * (1.0 / math.sqrt(d))).softmax(-1)
        return x + self.projection((v @ weights.transpose(-1, -2)).reshape(b, c, h, w))


class _UNetDownsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x, e):
        return self.conv(x)


class _UNetUpsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, e):
        return self.conv(x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3))


class _UNetStage(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = nn.ModuleList([b for b in blocks if b is not None])

    def forward(self, x, e):
        for block in self.blocks:
            x = block(x, e)
        return x


class UNetField(nn.Module):
    """PrecondFlow's UNetVectorField: x (batch, C*H*W) read as (batch, C, H, W), output flattened back."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.dim = config["dim"]
        self.num_classes = config["num_classes"]
        self.shape = tuple(config["image_shape"])
        c, height = self.shape[0], self.shape[1]
        base, groups, heads = config["base_channels"], config["norm_groups"], config["heads"]
        multipliers = config.get("channel_multipliers") or [1, 2, 2]
        levels = len(multipliers)
        heights = [height >> i for i in range(levels)]
        attention_at = config.get("attention_resolutions")
        if attention_at is None:
            attention_at = [heights[-1]]
        attention = [h in attention_at for h in heights]
        level_channels = [base * m for m in multipliers]
        width = 4 * base
        self.timeEmbedding = nn.Sequential(nn.Linear(config["time_features"], width), nn.SiLU(), nn.Linear(width, width))
        self.labelEmbedding = nn.Embedding(self.num_classes + 1, width) if self.num_classes > 0 else None
        self.inputConv = nn.Conv2d(c, base, 3, padding=1)

        def block(inputs, outputs):
            return _UNetResidualBlock(inputs, outputs, width, groups, config.get("dropout", 0.0))

        def attend(level, channels):
            return _UNetAttentionBlock(channels, heads, groups) if attention[level] else None

        channels, skips, down = base, [base], []
        for level in range(levels):
            outputs = level_channels[level]
            for _ in range(config["res_blocks"]):
                down.append(_UNetStage(block(channels, outputs), attend(level, outputs)))
                channels = outputs
                skips.append(channels)
            if level < levels - 1:
                down.append(_UNetStage(_UNetDownsample(channels)))
                skips.append(channels)
        self.down = nn.ModuleList(down)
        self.middle = _UNetStage(block(channels, channels), attend(levels - 1, channels), block(channels, channels))
        up = []
        for level in reversed(range(levels)):
            outputs = level_channels[level]
            for index in range(config["res_blocks"] + 1):
                up.append(_UNetStage(block(channels + skips.pop(), outputs), attend(level, outputs),
                                     _UNetUpsample(outputs) if level > 0 and index == config["res_blocks"] else None))
                channels = outputs
        self.up = nn.ModuleList(up)
        self.outputNorm = nn.GroupNorm(groups, channels)
        self.outputConv = nn.Conv2d(channels, c, 3, padding=1)

    def forward(self, x, t, labels=None):
        """x: (batch, C*H*W); t: (batch, 1), (1, 1) or a number; labels: (batch) int64 in [0, num_classes] when conditional."""
        if not torch.is_tensor(t):
            t = torch.tensor([[float(t)]], dtype=x.dtype)
        batch = x.shape[0]
        t = t.reshape(-1, 1).expand(batch, 1).to(x.dtype)
        e = self.timeEmbedding(time_features(t, "sinusoidal", self.config["time_features"]))
        if self.num_classes > 0:
            if labels is None:
                raise ValueError(f"this field is conditional on {self.num_classes} classes: pass labels")
            e = e + self.labelEmbedding(labels.long())
        h = self.inputConv(x.reshape(batch, *self.shape))
        skips = [h]
        for stage in self.down:
            h = stage(h, e)
            skips.append(h)
        h = self.middle(h, e)
        for stage in self.up:
            h = stage(torch.cat([h, skips.pop()], dim=1), e)
        return self.outputConv(nn.functional.silu(self.outputNorm(h))).reshape(batch, self.dim)


_FIELDS = {"mlp": MlpField, "unet": UNetField}


def build_field(config):
    """The network of a field configuration (its kind and sizes), with untrained weights."""
    kind = config["kind"]
    if kind not in _FIELDS:
        raise ValueError(f"field kind '{kind}' is not rebuilt in PyTorch (known: {', '.join(_FIELDS)})")
    return _FIELDS[kind](config)


class Identity(nn.Module):
    def __init__(self, description, tensors):
        super().__init__()

    def forward(self, x, labels=None):
        return x, torch.zeros(x.shape[0], dtype=x.dtype)

    def inverse(self, z, labels=None):
        return z


class AffineWhitening(nn.Module):
    """z = (x - mu) Sigma^(-1/2), log|det| = -1/2 log det Sigma; stored in float64, computed in the input's dtype."""

    def __init__(self, description, tensors):
        super().__init__()
        self.log_abs_det = description["log_abs_det"]
        for name in ("mean", "whitener", "colorer"):
            self.register_buffer(name, tensors[name])

    def forward(self, x, labels=None):
        z = (x - self.mean.to(x.dtype)) @ self.whitener.to(x.dtype)
        return z, torch.full((x.shape[0],), self.log_abs_det, dtype=x.dtype)

    def inverse(self, z, labels=None):
        return z @ self.colorer.to(z.dtype) + self.mean.to(z.dtype)


class ClassConditionalWhitening(nn.Module):
    """z = (x - mu_y) Sigma_y^(-1/2) with one mean and covariance per class y."""

    def __init__(self, description, tensors):
        super().__init__()
        for name in ("means", "whiteners", "colorers", "log_abs_dets"):
            self.register_buffer(name, tensors[name])

    def forward(self, x, labels):
        y = labels.long()
        z = torch.bmm((x - self.means[y].to(x.dtype)).unsqueeze(1), self.whiteners[y].to(x.dtype)).squeeze(1)
        return z, self.log_abs_dets[y].to(x.dtype)

    def inverse(self, z, labels):
        y = labels.long()
        return torch.bmm(z.unsqueeze(1), self.colorers[y].to(z.dtype)).squeeze(1) + self.means[y].to(z.dtype)


def _coupling_layout(permutations, dim):
    """Which half each coupling transforms (True: the first), as PrecondFlow's RealNvpNetwork.Layout derives it."""
    half = dim // 2
    layout = [False] * (len(permutations) + 1)
    for i, perm in enumerate(permutations):
        def was_kept(position):
            return position >= half if layout[i] else position < half
        first = sum(1 for j in range(dim) if was_kept(perm[j]) and j < half) / half
        second = sum(1 for j in range(dim) if was_kept(perm[j]) and j >= half) / (dim - half)
        layout[i + 1] = first > second or (first == second and not layout[i])
    return layout


class AffineCoupling(nn.Module):
    def __init__(self, dim, transform_first_half, hidden, hidden_layers, num_classes, scale_bound):
        super().__init__()
        half = dim // 2
        if transform_first_half:
            self.kept, self.changed = (half, dim - half), (0, half)
        else:
            self.kept, self.changed = (0, half), (half, dim - half)
        self.first = transform_first_half
        self.scale_bound = scale_bound
        layers, width = [], self.kept[1] + num_classes
        for _ in range(hidden_layers):
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, 2 * self.changed[1]))
        self.net = nn.Sequential(*layers)

    def _scale_shift(self, kept, one_hot):
        inputs = kept if one_hot is None else torch.cat([kept, one_hot], 1)
        raw = self.net(inputs).chunk(2, 1)
        return self.scale_bound * torch.tanh(raw[0] / self.scale_bound), raw[1]

    def _assemble(self, kept, changed):
        return torch.cat([changed, kept], 1) if self.first else torch.cat([kept, changed], 1)

    def forward(self, x, one_hot):
        kept = x.narrow(1, *self.kept)
        s, t = self._scale_shift(kept, one_hot)
        return self._assemble(kept, x.narrow(1, *self.changed) * s.exp() + t), s.sum(1)

    def inverse(self, y, one_hot):
        kept = y.narrow(1, *self.kept)
        s, t = self._scale_shift(kept, one_hot)
        return self._assemble(kept, (y.narrow(1, *self.changed) - t) * (-s).exp())


class RealNvp(nn.Module):
    """Affine couplings with fixed permutations between them (PrecondFlow's RealNvp); weights float32, cast to the input's dtype."""

    def __init__(self, description, tensors):
        super().__init__()
        options = description["options"]
        self.dim, self.num_classes = description["dim"], description["num_classes"]
        for name in ("permutations", "inversePermutations", "restoreOrder", "scrambleOrder"):
            self.register_buffer(name, tensors[name])
        layout = _coupling_layout(self.permutations.tolist(), self.dim)
        self.couplings = nn.ModuleList(
            AffineCoupling(self.dim, layout[i], options["hidden"], options["hidden_layers"], self.num_classes,
                           options["scale_bound"]) for i in range(options["couplings"]))
        state = {k: v for k, v in tensors.items() if k.startswith("couplings.") and ".output." not in k}
        state.update({k: tensors[k] for k in ("permutations", "inversePermutations", "restoreOrder", "scrambleOrder")})
        _load_exact(self, state, "RealNVP")

    def _one_hot(self, labels, like):
        if self.num_classes == 0:
            return None
        if labels is None:
            raise ValueError(f"this RealNVP is conditional on {self.num_classes} classes: pass labels")
        return nn.functional.one_hot(labels.long(), self.num_classes).to(like.dtype)

    def _cast(self, dtype):
        return self if self.couplings[0].net[0].weight.dtype == dtype else self.to(dtype)

    def forward(self, x, labels=None):
        net = self._cast(x.dtype)
        one_hot = self._one_hot(labels, x)
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        last = len(net.couplings) - 1
        for i, coupling in enumerate(net.couplings):
            x, step = coupling(x, one_hot)
            log_det = log_det + step
            if i < last:
                x = x.index_select(1, net.permutations[i])
        return x.index_select(1, net.restoreOrder), log_det

    def inverse(self, z, labels=None):
        net = self._cast(z.dtype)
        one_hot = self._one_hot(labels, z)
        z = z.index_select(1, net.scrambleOrder)
        last = len(net.couplings) - 1
        for i in range(last, -1, -1):
            if i < last:
                z = z.index_select(1, net.inversePermutations[i])
            z = net.couplings[i].inverse(z, one_hot)
        return z


class Chain(nn.Module):
    """P = P_n o ... o P_1: members applied in order, log-dets summed; the inverse in reverse order."""

    def __init__(self, description, tensors):
        super().__init__()
        self.members = nn.ModuleList(
            build_preconditioner(member, _take(tensors, f"member-{i}."))
            for i, member in enumerate(description["members"]))

    def forward(self, x, labels=None):
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        for member in self.members:
            x, step = member(x, labels)
            log_det = log_det + step
        return x, log_det

    def inverse(self, z, labels=None):
        for member in reversed(self.members):
            z = member.inverse(z, labels)
        return z


_PRECONDITIONERS = {"identity": Identity, "whiten": AffineWhitening, "class-whiten": ClassConditionalWhitening,
                    "realnvp": RealNvp, "chain": Chain}


def build_preconditioner(description, tensors):
    """The preconditioner of a description (its kind and settings) with its tensors (names without the prefix)."""
    kind = description["kind"]
    if kind not in _PRECONDITIONERS:
        raise ValueError(f"preconditioner kind '{kind}' is not rebuilt in PyTorch (known: {', '.join(_PRECONDITIONERS)})")
    return _PRECONDITIONERS[kind](description, tensors)


class PrecondFlowModel(nn.Module):
    """field (trained weights), ema (EMA weights or None), preconditioner, and the exported configuration."""

    def __init__(self, spec, description, tensors):
        super().__init__()
        self.spec = spec
        self.field = build_field(spec["field"])
        _load_exact(self.field, _take(tensors, "field."), "field")
        self.ema = None
        if any(k.startswith("ema.") for k in tensors):
            self.ema = build_field(spec["field"])
            _load_exact(self.ema, _take(tensors, "ema."), "ema")
        self.preconditioner = build_preconditioner(description, _take(tensors, "preconditioner."))
        self.eval()


def load(path):
    """Reads a file written by `precondflow export --format safetensors` and rebuilds its model."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: __metadata__.format is {metadata.get('format')!r}; expected {FORMAT!r} "
                         "(a file written by `precondflow export`)")
    return PrecondFlowModel(json.loads(metadata["model"]), json.loads(metadata["preconditioner"]), tensors)


def _main(model_path, inputs_path, outputs_path):
    model = load(model_path)
    inputs, _ = read_safetensors(inputs_path)
    x, t, labels = inputs["x"], inputs["t"], inputs.get("labels")
    field_labels = labels if model.field.num_classes > 0 else None
    with torch.no_grad():
        outputs = {"field": model.field(x, t, field_labels)}
        if model.ema is not None:
            outputs["ema"] = model.ema(x, t, field_labels)
        z, log_det = model.preconditioner(x, labels)
        outputs.update(p_forward=z, p_log_det=log_det, p_inverse=model.preconditioner.inverse(x, labels))
    write_safetensors(outputs_path, outputs)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python3 precondflow_torch.py MODEL.safetensors INPUTS.safetensors OUTPUTS.safetensors")
    _main(*sys.argv[1:])
