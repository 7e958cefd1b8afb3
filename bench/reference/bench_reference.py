#!/usr/bin/env python3
"""PyTorch reference for the PrecondFlow bench (bench/PrecondFlow.Bench).

The same workloads under the same names, with identical shapes and hyper-parameters, and the same protocol:
set up (untimed), warm up (untimed), time each repetition separately and report the median. The JSON output uses
the same field names as `PrecondFlow.Bench --json`, so the two files can be compared side by side (see
bench/README.md). Only dependency: torch.

    python3 bench/reference/bench_reference.py --threads 2 --json reference.json
    python3 bench/reference/bench_reference.py --adamw fused --only flow-train-step
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import json
import math
import os
import platform
import statistics
import sys
import time

# Shapes and hyper-parameters: the paper's Table 4 (class-conditional MLP on 64-d latents, 2 x 128, batch 4096,
# AdamW, sine-cosine path) and its RealNVP preconditioner (6 couplings, 2 x 256 MLPs). Keep in step with
# bench/PrecondFlow.Bench/Workloads/PaperShapes.cs.
DIM = 64
CLASSES = 10
BATCH = 4096
DATA_POINTS = 60_000
SAMPLE_POINTS = 10_000
SOLVER_STEPS = 100
SEED = 0
HIDDEN = (128, 128)
TIME_FEATURES = 16
LABEL_FEATURES = 16
LOG_EVERY = 50

WORKLOADS = ("flow-train-step", "realnvp-train-step", "flow-sample-rk4", "realnvp-inverse", "kappa-profile",
             "ensemble-train-step", "sequential-train-step", "unet-train-step")
# Run only when named with --only, as in the .NET bench: a UNet step takes seconds to tens of seconds on a small CPU.
ON_REQUEST = ("unet-train-step",)
WAIT_POLICIES = ("inherit", "passive", "active")

torch = None  # imported in main(), after OMP_WAIT_POLICY is set: OpenMP reads it when torch loads


# --------------------------------------------------------------------------------------------------------------
# Memory and load readings (Linux), as in Measurement/ResidentMemory.cs and LoadAverage.cs
# --------------------------------------------------------------------------------------------------------------

def _status_field(name: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def rss_bytes() -> int | None:
    return _status_field("VmRSS:")


def peak_bytes() -> int | None:
    return _status_field("VmHWM:")


def try_reset_peak() -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def release_memory() -> None:
    """Frees unreachable objects and hands free heap pages back to the kernel (glibc malloc_trim)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def load_average() -> float | None:
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def mib(value: int | None) -> float | None:
    return None if value is None else value / (1024.0 * 1024.0)


# --------------------------------------------------------------------------------------------------------------
# Data and models, mirroring the library
# --------------------------------------------------------------------------------------------------------------

def paper_data(device):
    """60 000 labelled 64-d float32 points: ten Gaussian classes, means 2 N(0, I), axis scales 10^(-2i/63)."""
    g = torch.Generator().manual_seed(SEED + 1)
    labels = torch.randint(CLASSES, (DATA_POINTS,), generator=g, dtype=torch.int64)
    means = 2 * torch.randn((CLASSES, DIM), generator=g)
    scales = torch.pow(10.0, torch.arange(DIM, dtype=torch.float32) * (-2.0 / (DIM - 1)))
    points = means.index_select(0, labels) + torch.randn((DATA_POINTS, DIM), generator=g) * scales
    return points.to(device), labels.to(device)


def time_features(t, features: int = TIME_FEATURES):
    """sin/cos of t at frequencies 2 pi k, k geometric from 1 to 1000 (Fields/TimeFeatures.cs)."""
    half = features // 2
    exponents = torch.arange(half, dtype=t.dtype, device=t.device) / max(1, half - 1)
    frequencies = 2 * math.pi * torch.pow(1000.0, exponents)
    angles = t * frequencies.unsqueeze(0)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def make_mlp_field():
    nn = torch.nn

    class MlpVectorField(nn.Module):
        """f(x, t, y) = MLP([x, time features, label embedding]) (Fields/MlpVectorField.cs)."""

        def __init__(self):
            super().__init__()
            self.null_label = CLASSES
            self.label_embedding = nn.Embedding(CLASSES + 1, LABEL_FEATURES)
            layers, width = [], DIM + TIME_FEATURES + LABEL_FEATURES
            for h in HIDDEN:
                layers += [nn.Linear(width, h), nn.SiLU()]
                width = h
            layers.append(nn.Linear(width, DIM))
            self.network = nn.Sequential(*layers)

        def forward(self, x, t, labels):
            time = time_features(t.expand(x.shape[0], 1).to(x.dtype))
            return self.network(torch.cat([x, time, self.label_embedding(labels)], dim=1))

    return MlpVectorField()


def sine_cosine(t):
    """(alpha, sigma, d alpha, d sigma) of the sine-cosine path (Paths/Schedulers/SineCosineScheduler.cs)."""
    angle = t * (math.pi / 2)
    sin, cos = angle.sin(), angle.cos()
    return sin, cos, cos * (math.pi / 2), -sin * (math.pi / 2)


def make_realnvp(generator_seed: int):
    """RealNVP: 6 affine couplings, 2 x 256 ReLU MLPs, soft-clamped log-scales, fixed permutations in between
    (Preconditioning/Internal/RealNvpNetwork.cs). Which half a coupling changes alternates here; the library picks it
    from the permutations, which changes nothing in the cost (both halves are 32 wide)."""
    nn = torch.nn
    couplings, hidden, layers_per_mlp, bound = 6, 256, 2, 2.0

    class Coupling(nn.Module):
        def __init__(self, transform_first: bool):
            super().__init__()
            half = DIM // 2
            self.kept = (half, DIM - half) if transform_first else (0, half)
            self.changed = (0, half) if transform_first else (half, DIM - half)
            self.transform_first = transform_first
            layers, width = [], self.kept[1]
            for _ in range(layers_per_mlp):
                layers += [nn.Linear(width, hidden), nn.ReLU()]
                width = hidden
            self.output = nn.Linear(width, 2 * self.changed[1])
            self.net = nn.Sequential(*layers, self.output)

        def initialise(self, g):
            with torch.no_grad():
                for layer in self.net:
                    if isinstance(layer, nn.Linear) and layer is not self.output:
                        b = 1 / math.sqrt(layer.in_features)
                        layer.weight.uniform_(-b, b, generator=g)
                        layer.bias.uniform_(-b, b, generator=g)
                self.output.weight.zero_()
                self.output.bias.zero_()

        def _scale_shift(self, kept):
            raw_s, t = self.net(kept).chunk(2, 1)
            return bound * torch.tanh(raw_s / bound), t

        def _assemble(self, kept, changed):
            return torch.cat([changed, kept], 1) if self.transform_first else torch.cat([kept, changed], 1)

        def forward(self, x):
            kept = x.narrow(1, *self.kept)
            s, t = self._scale_shift(kept)
            changed = x.narrow(1, *self.changed) * s.exp() + t
            return self._assemble(kept, changed), s.sum(1)

        def inverse(self, y):
            kept = y.narrow(1, *self.kept)
            s, t = self._scale_shift(kept)
            changed = (y.narrow(1, *self.changed) - t) * (-s).exp()
            return self._assemble(kept, changed)

    class RealNvp(nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(generator_seed)
            perms = [torch.randperm(DIM, generator=g) for _ in range(couplings - 1)]
            self.couplings = nn.ModuleList(Coupling(i % 2 == 0) for i in range(couplings))
            self.register_buffer("permutations", torch.stack(perms))
            self.register_buffer("inverse_permutations", self.permutations.argsort(1))
            order = torch.arange(DIM)
            for p in perms:
                order = order[p]
            self.register_buffer("scramble_order", order)
            self.register_buffer("restore_order", order.argsort())
            for c in self.couplings:
                c.initialise(g)

        def forward(self, x):
            log_det = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
            for i, c in enumerate(self.couplings):
                x, step = c(x)
                log_det = log_det + step
                if i < couplings - 1:
                    x = x.index_select(1, self.permutations[i])
            return x.index_select(1, self.restore_order), log_det

        def inverse(self, z):
            z = z.index_select(1, self.scramble_order)
            for i in range(couplings - 1, -1, -1):
                if i < couplings - 1:
                    z = z.index_select(1, self.inverse_permutations[i])
                z = self.couplings[i].inverse(z)
            return z

        def negative_log_likelihood(self, x):
            z, log_det = self(x)
            log_normal = -0.5 * z.square().sum(1) - 0.5 * DIM * math.log(2 * math.pi)
            return -(log_normal + log_det).mean()

    return RealNvp()


def make_adamw(params, lr, weight_decay, variant):
    kwargs = {}
    if variant == "foreach":
        kwargs["foreach"] = True
    elif variant == "fused":
        kwargs["fused"] = True
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, **kwargs)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --------------------------------------------------------------------------------------------------------------
# Workloads (bench/PrecondFlow.Bench/Workloads/*.cs)
# --------------------------------------------------------------------------------------------------------------

class FlowTrainingStep:
    """Flow-matching steps of the Table-4 model as FlowTrainer runs them: minibatch with replacement, label dropout
    0.1, x0 ~ N(0, I), t ~ U(0, 1), sine-cosine path, weighted MSE, backward, global-norm clip at 1 on the device,
    AdamW (1e-3, weight decay 0.01), loss summed on the device and read back every 50 steps."""

    name, unit = "flow-train-step", "steps"
    shape = f"MLP {DIM}-d, 2×128, {CLASSES} classes, batch {BATCH}, AdamW"

    def __init__(self, quick, adamw):
        self.items = 10 if quick else 50
        self.adamw = adamw

    def setup(self, device):
        self.device = device
        self.points, self.labels = paper_data(device)
        torch.manual_seed(SEED)
        self.field = make_mlp_field().to(device)
        self.params = list(self.field.parameters())
        self.optimizer = make_adamw(self.params, 1e-3, 0.01, self.adamw)
        self.generator = torch.Generator(device=device).manual_seed(SEED)
        self.loss_sum = torch.zeros(1, dtype=torch.float64, device=device)
        self.step, self.window_start = 0, 0
        self.field.train()

    def _loss(self):
        g, dev = self.generator, self.device
        index = torch.randint(self.points.shape[0], (BATCH,), generator=g, device=dev, dtype=torch.int64)
        x1 = self.points.index_select(0, index)
        y = self.labels.index_select(0, index)
        drop = torch.rand((BATCH,), generator=g, device=dev) < 0.1
        y = torch.where(drop, torch.full_like(y, self.field.null_label), y)
        x0 = torch.randn(x1.shape, dtype=x1.dtype, device=dev, generator=g)
        t = torch.rand((BATCH, 1), dtype=x1.dtype, device=dev, generator=g)
        weight = torch.ones_like(t)
        alpha, sigma, d_alpha, d_sigma = sine_cosine(t)
        xt = alpha * x1 + sigma * x0
        velocity = d_alpha * x1 + d_sigma * x0
        per_sample = (self.field(xt, t, y) - velocity).square().mean(1, keepdim=True)
        return (per_sample * weight).mean()

    def run(self):
        end = self.step + self.items
        while self.step < end:
            loss = self._loss()
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.params, 1.0)
            self.optimizer.step()
            self.loss_sum.add_(loss.detach().to(torch.float64))
            self.step += 1
            if self.step % LOG_EVERY == 0 or self.step == end:
                mean = self.loss_sum.item() / (self.step - self.window_start)
                self.loss_sum.zero_()
                self.window_start = self.step
                if not math.isfinite(mean):
                    raise RuntimeError(f"the training loss became {mean} at step {self.step}")


class RealNvpTrainingStep:
    """RealNVP maximum-likelihood steps as RealNvp.Train runs them, one call per repetition: a fresh network and
    AdamW (1e-3, weight decay 1e-5, cosine decay), batches from a seeded permutation, clipping at norm 10, the loss
    read back every 50 steps and at the last, then the invertibility check on 256 points. CPU, as in the library."""

    name, unit = "realnvp-train-step", "steps"
    shape = f"6 couplings, 2×256 MLPs, {DIM}-d, batch {BATCH}, AdamW (CPU)"

    def __init__(self, quick, adamw):
        self.items = 2 if quick else 6
        self.adamw = adamw

    def setup(self, device):
        self.points, _ = paper_data(torch.device("cpu"))

    def run(self):
        steps, n = self.items, self.points.shape[0]
        x = self.points.detach().to(torch.float32).cpu().contiguous()
        if not torch.isfinite(x).all().item():
            raise ValueError("RealNVP: the data contain NaN or infinite values.")
        flow = make_realnvp(SEED)
        optimizer = make_adamw(flow.parameters(), 1e-3, 1e-5, self.adamw)
        generator = torch.Generator().manual_seed(SEED ^ 0x9E3779B97F4A7C15)
        order, position = None, n
        for step in range(1, steps + 1):
            if position + BATCH > n:
                order, position = torch.randperm(n, generator=generator), 0
            rows = order.narrow(0, position, BATCH)
            position += BATCH
            xb = x.index_select(0, rows)
            for group in optimizer.param_groups:
                group["lr"] = 1e-3 * 0.5 * (1 + math.cos(math.pi * (step - 1) / steps))
            optimizer.zero_grad()
            loss = flow.negative_log_likelihood(xb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(flow.parameters(), 10.0)
            optimizer.step()
            if step % LOG_EVERY == 0 or step == steps:
                value = loss.item()
                if not math.isfinite(value):
                    raise RuntimeError(f"RealNVP training diverged at step {step}")
        with torch.no_grad():
            rows = torch.randperm(n, generator=generator).narrow(0, 0, 256)
            xs = x.index_select(0, rows)
            z, _ = flow(xs)
            back = flow.inverse(z)
            scale = xs.double().square().sum(1).mean().sqrt().item() or 1.0
            errors = (back.double() - xs.double()).norm(dim=1) / scale
            if errors.isfinite().all().item():
                errors.max().item(), errors.mean().item()


class FlowSampling:
    """10 000 labelled samples through the Table-4 field, RK4 at 100 steps, under no_grad, as Sampler.Sample runs
    them: seeded base noise, then per step four velocity evaluations and one finiteness check (a host read)."""

    name, unit = "flow-sample-rk4", "samples"
    shape = f"{SAMPLE_POINTS} points, RK4 × {SOLVER_STEPS} steps, Table-4 MLP"

    def __init__(self, quick, finite_check):
        self.items = SAMPLE_POINTS
        self.finite_check = finite_check

    def setup(self, device):
        self.device = device
        torch.manual_seed(SEED)
        self.field = make_mlp_field().to(device).eval()
        self.labels = torch.arange(SAMPLE_POINTS, dtype=torch.int64, device=device).remainder(CLASSES)

    def _velocity(self, x, t):
        time = torch.full((1, 1), t, dtype=x.dtype, device=x.device)
        return self.field(x, time, self.labels)

    def run(self):
        g = torch.Generator(device=self.device).manual_seed(SEED + 2)
        with torch.no_grad():
            x = torch.randn((SAMPLE_POINTS, DIM), device=self.device, generator=g)
            f, n = self._velocity, SOLVER_STEPS
            for i in range(n):
                t = i / n
                t_next = 1.0 if i + 1 == n else (i + 1) / n
                h = t_next - t
                half = 0.5 * h
                k1 = f(x, t)
                k2 = f(x + half * k1, t + half)
                k3 = f(x + half * k2, t + half)
                k4 = f(x + h * k3, t + h)
                x = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
                if self.finite_check == "every" or (self.finite_check == "end" and i + 1 == n):
                    if not torch.isfinite(x).all().item():
                        raise RuntimeError(f"rk4: the state became NaN or infinite at t = {t_next}")


class RealNvpInverse:
    """10 000 points mapped back through a RealNVP (trained 3 steps in setup), under no_grad. CPU, as in the library."""

    name, unit = "realnvp-inverse", "samples"
    shape = f"{SAMPLE_POINTS} points, 6 couplings, 2×256 MLPs, {DIM}-d (CPU)"

    def __init__(self, quick, adamw):
        self.items = SAMPLE_POINTS
        self.adamw = adamw

    def setup(self, device):
        points, _ = paper_data(torch.device("cpu"))
        self.flow = make_realnvp(SEED)
        optimizer = make_adamw(self.flow.parameters(), 1e-3, 1e-5, self.adamw)
        for xb in points[:3 * BATCH].split(BATCH):
            optimizer.zero_grad()
            self.flow.negative_log_likelihood(xb).backward()
            optimizer.step()
        g = torch.Generator().manual_seed(SEED + 4)
        self.points = torch.randn((SAMPLE_POINTS, DIM), generator=g)

    def run(self):
        with torch.no_grad():
            self.flow.inverse(self.points)


class KappaProfile:
    """kappa(t) on 60 000 x 64 data at t = 0, 0.1, ..., 1 as ConditioningAnalysis.Sampled computes it: one float64
    noise draw, x_t = t x1 + (1 - t) x0, unbiased covariance, symmetrised, eigvalsh, spectrum read back, kappa =
    max / min. CPU, as in the library."""

    name, unit = "kappa-profile", "profiles"
    shape = f"{DATA_POINTS} × {DIM} float64, 11 times, eigvalsh (CPU)"

    def __init__(self, quick):
        self.items = 1

    def setup(self, device):
        self.points, _ = paper_data(torch.device("cpu"))

    def run(self):
        g = torch.Generator().manual_seed(SEED + 3)
        data = self.points.detach().to(torch.float64)
        noise = torch.randn(data.shape[0], data.shape[1], dtype=torch.float64, generator=g)
        kappa = []
        for i in range(11):
            t = torch.full((data.shape[0], 1), i / 10.0, dtype=torch.float64)
            alpha, sigma, d_alpha, d_sigma = t.clone(), 1 - t, torch.ones_like(t), -torch.ones_like(t)
            xt = alpha * data + sigma * noise
            _velocity = d_alpha * data + d_sigma * noise  # the path sample computes it too
            centred = xt - xt.mean(0, keepdim=True)
            covariance = centred.T.matmul(centred) / (xt.shape[0] - 1)
            spectrum = torch.linalg.eigvalsh((covariance + covariance.T) * 0.5).tolist()
            kappa.append(max(spectrum) / min(spectrum) if min(spectrum) > 0 else math.inf)
        if any(not k >= 1 for k in kappa):
            raise RuntimeError(f"kappa(t) should be at least 1 at every time; got {kappa}")


# The UNet workload (Workloads/UNetTrainingStep.cs): the default UNet of Fields/UNetVectorField.cs on 1 x 28 x 28, built
# by the interop module's PyTorch rebuild of that network (interop/python/precondflow_torch.py), dropout included.
UNET_SHAPE = (1, 28, 28)
UNET_CONFIG = {"kind": "unet", "dim": math.prod(UNET_SHAPE), "num_classes": 0, "image_shape": list(UNET_SHAPE),
               "base_channels": 64, "channel_multipliers": [1, 2, 2], "res_blocks": 2, "attention_resolutions": [7],
               "heads": 4, "dropout": 0.1, "norm_groups": 32, "time_features": TIME_FEATURES}
UNET_BATCH = 64
UNET_IMAGES = 1024


def make_unet_field():
    """Fields/UNetVectorField.cs with its default sizes, unconditional: time embedding, FiLM residual blocks,
    attention at 7 x 7, stride-2 down-sampling, nearest up-sampling and convolution, skip connections."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "interop", "python"))
    from precondflow_torch import UNetField
    return UNetField(UNET_CONFIG)


class UNetTrainingStep:
    """Flow-matching steps of the default UNet on 1 x 28 x 28 images as FlowTrainer runs them, one step per item:
    minibatch with replacement from 1 024 seeded noise images, x0 ~ N(0, I), t ~ U(0, 1), linear path, MSE, backward,
    global-norm clip at 1, AdamW (1e-3, weight decay 0.01), the loss read back after each step (each call's last)."""

    name, unit = "unet-train-step", "steps"
    shape = f"UNet 1×28×28, 64 ch ×(1,2,2), 2 res blocks, attention at 7, batch {UNET_BATCH}, AdamW"

    def __init__(self, quick, adamw):
        self.items = 1
        self.adamw = adamw

    def setup(self, device):
        self.device = device
        g = torch.Generator().manual_seed(SEED + 1)
        self.points = torch.randn((UNET_IMAGES, math.prod(UNET_SHAPE)), generator=g).to(device)
        torch.manual_seed(SEED)
        self.field = make_unet_field().to(device)
        self.params = list(self.field.parameters())
        self.optimizer = make_adamw(self.params, 1e-3, 0.01, self.adamw)
        self.generator = torch.Generator(device=device).manual_seed(SEED)
        self.field.train()

    def run(self):
        g, dev = self.generator, self.device
        index = torch.randint(self.points.shape[0], (UNET_BATCH,), generator=g, device=dev, dtype=torch.int64)
        x1 = self.points.index_select(0, index)
        x0 = torch.randn(x1.shape, dtype=x1.dtype, device=dev, generator=g)
        t = torch.rand((UNET_BATCH, 1), dtype=x1.dtype, device=dev, generator=g)
        xt = t * x1 + (1 - t) * x0
        loss = (self.field(xt, t) - (x1 - x0)).square().mean()
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()
        value = loss.item()
        if not math.isfinite(value):
            raise RuntimeError(f"the training loss became {value}")


# --------------------------------------------------------------------------------------------------------------
# Protocol (Measurement/Protocol.cs) and soak (Measurement/TrainingSoak.cs)
# --------------------------------------------------------------------------------------------------------------

# The ensemble workloads: K = 8 members of the 2-D main flow (Workloads/MainFlow2dShapes.cs).
MEMBERS = 8
MEMBER_BATCH = 256
MEMBER_HIDDEN = (64, 64)
MEMBER_DATA_POINTS = 10_000


def member_rate(k: int) -> float:
    return 1e-3 * (1 + k / 4.0)


def main_flow_2d_data(device):
    """10 000 seeded 2-D points of an elongated Gaussian (axis scales 2 and 0.3)."""
    g = torch.Generator().manual_seed(1)
    return (torch.randn((MEMBER_DATA_POINTS, 2), generator=g) * torch.tensor([2.0, 0.3])).to(device)


def make_member_mlp(seed: int):
    """MLP 2 + 16 time features -> 64 -> 64 -> 2, SiLU, unconditional (Fields/MlpVectorField.cs)."""
    nn = torch.nn
    torch.manual_seed(seed)
    layers, width = [], 2 + TIME_FEATURES
    for h in MEMBER_HIDDEN:
        layers += [nn.Linear(width, h), nn.SiLU()]
        width = h
    layers.append(nn.Linear(width, 2))
    return nn.Sequential(*layers)


def member_minibatch(points, generator, device):
    """FlowTrainer's draws for one member, in its order: index, x0, t; linear path x_t = t x1 + (1 - t) x0."""
    index = torch.randint(points.shape[0], (MEMBER_BATCH,), generator=generator, device=device, dtype=torch.int64)
    x1 = points.index_select(0, index)
    x0 = torch.randn(x1.shape, dtype=x1.dtype, device=device, generator=generator)
    t = torch.rand((MEMBER_BATCH, 1), dtype=x1.dtype, device=device, generator=generator)
    return x0, x1, t


class EnsembleTrainingStep:
    """K = 8 members trained together as EnsembleTrainer does: stacked weights (K, in, out) and biases (K, 1, out),
    one baddbmm per layer, the sum of the members' mean losses, per-member global-norm clipping at 1, and AdamW on the
    stacked tensors with a (K, 1, 1) rate (Training/StackedAdamW.cs), a member frozen when its loss or gradient is not
    finite; losses read back every 50 steps. One item is one member's step."""

    name, unit = "ensemble-train-step", "member-steps"
    shape = f"{MEMBERS} × MLP 2-d, 2×64, batch {MEMBER_BATCH}, stacked (baddbmm), AdamW"

    def __init__(self, quick):
        self.steps = 10 if quick else 50
        self.items = self.steps * MEMBERS

    def setup(self, device):
        self.device = device
        self.points = main_flow_2d_data(device)
        members = [make_member_mlp(100 + k) for k in range(MEMBERS)]
        linears = [[m for m in member if isinstance(m, torch.nn.Linear)] for member in members]
        self.weights = [torch.stack([l[i].weight.detach().t() for l in linears]).to(device).requires_grad_()
                        for i in range(len(linears[0]))]
        self.biases = [torch.stack([l[i].bias.detach().unsqueeze(0) for l in linears]).to(device).requires_grad_()
                       for i in range(len(linears[0]))]
        self.params = [p for pair in zip(self.weights, self.biases) for p in pair]
        self.first = [torch.zeros_like(p) for p in self.params]
        self.second = [torch.zeros_like(p) for p in self.params]
        self.generators = [torch.Generator(device=device).manual_seed(k) for k in range(MEMBERS)]
        self.rates = [member_rate(k) for k in range(MEMBERS)]
        self.alive = torch.ones(MEMBERS, dtype=torch.bool, device=device)
        self.loss_sum = torch.zeros(MEMBERS, dtype=torch.float64, device=device)
        self.step, self.window_start = 0, 0

    def _forward(self, x, t):
        k, batch = x.shape[0], x.shape[1]
        time = time_features(t.reshape(-1, 1)).reshape(k, batch, -1)
        h = torch.cat([x, time], dim=2)
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if i < len(self.weights) - 1:
                h = torch.nn.functional.silu(h)
        return h

    def _losses(self):
        draws = [member_minibatch(self.points, g, self.device) for g in self.generators]
        x0, x1, t = (torch.stack(d) for d in zip(*draws))
        xt = t * x1 + (1 - t) * x0
        per_sample = (self._forward(xt, t) - (x1 - x0)).square().mean(2, keepdim=True)
        return per_sample.mean((1, 2))

    def _clip_and_step(self, losses):
        with torch.no_grad():
            grads = [p.grad for p in self.params]
            norms = torch.stack([g.square().reshape(MEMBERS, -1).sum(1) for g in grads]).sum(0).sqrt()
            scale = (1.0 / (norms + 1e-6)).clamp(max=1.0)
            for g in grads:
                g.mul_(scale.reshape((MEMBERS,) + (1,) * (g.dim() - 1)))
            self.alive &= torch.isfinite(losses) & torch.isfinite(norms)
            n = self.step + 1
            beta1, beta2, eps = 0.9, 0.999, 1e-8
            correction1, correction2 = 1 - beta1 ** n, 1 - beta2 ** n
            step_size = torch.tensor([-r / correction1 for r in self.rates], device=self.device)
            for p, g, m, v in zip(self.params, grads, self.first, self.second):
                shape = (MEMBERS,) + (1,) * (p.dim() - 1)
                keep = self.alive.reshape(shape)
                m_new = m.mul(beta1).add_(g, alpha=1 - beta1)
                v_new = v.mul(beta2).addcmul_(g, g, value=1 - beta2)
                denominator = (v_new.sqrt() / math.sqrt(correction2)).add_(eps)
                p.copy_(torch.where(keep, p + step_size.reshape(shape) * m_new / denominator, p))
                m.copy_(torch.where(keep, m_new, m))
                v.copy_(torch.where(keep, v_new, v))

    def run(self):
        end = self.step + self.steps
        while self.step < end:
            for p in self.params:
                p.grad = None
            losses = self._losses()
            losses.sum().backward()
            self._clip_and_step(losses.detach())
            self.loss_sum.add_(losses.detach().to(torch.float64))
            self.step += 1
            if self.step % LOG_EVERY == 0 or self.step == end:
                means = (self.loss_sum / (self.step - self.window_start)).tolist()
                self.loss_sum.zero_()
                self.window_start = self.step
                if not any(math.isfinite(m) for m in means):
                    raise RuntimeError(f"every member diverged by step {self.step}")


class SequentialTrainingStep:
    """The baseline of ensemble-train-step: the same 8 members, each with its own torch.optim.AdamW and generator,
    trained one after the other for the same number of steps as FlowTrainer runs them (clipping at 1, loss read back
    every 50 steps). One item is one member's step."""

    name, unit = "sequential-train-step", "member-steps"
    shape = f"{MEMBERS} × MLP 2-d, 2×64, batch {MEMBER_BATCH}, one FlowTrainer each, AdamW"

    def __init__(self, quick, adamw):
        self.steps = 10 if quick else 50
        self.items = self.steps * MEMBERS
        self.adamw = adamw

    def setup(self, device):
        self.device = device
        self.points = main_flow_2d_data(device)
        self.members = []
        for k in range(MEMBERS):
            field = make_member_mlp(100 + k).to(device)
            params = list(field.parameters())
            self.members.append({
                "field": field, "params": params,
                "optimizer": make_adamw(params, member_rate(k), 0.0, self.adamw),
                "generator": torch.Generator(device=device).manual_seed(k),
                "loss_sum": torch.zeros(1, dtype=torch.float64, device=device),
                "step": 0, "window_start": 0,
            })

    def _train(self, member):
        end = member["step"] + self.steps
        field, optimizer = member["field"], member["optimizer"]
        while member["step"] < end:
            x0, x1, t = member_minibatch(self.points, member["generator"], self.device)
            xt = t * x1 + (1 - t) * x0
            time = time_features(t)
            loss = (field(torch.cat([xt, time], dim=1)) - (x1 - x0)).square().mean(1, keepdim=True).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(member["params"], 1.0)
            optimizer.step()
            member["loss_sum"].add_(loss.detach().to(torch.float64))
            member["step"] += 1
            if member["step"] % LOG_EVERY == 0 or member["step"] == end:
                mean = member["loss_sum"].item() / (member["step"] - member["window_start"])
                member["loss_sum"].zero_()
                member["window_start"] = member["step"]
                if not math.isfinite(mean):
                    raise RuntimeError(f"the training loss became {mean} at step {member['step']}")

    def run(self):
        for member in self.members:
            self._train(member)



def measure(workload, warmup, repetitions, device, minimum_seconds=0.0, max_repetitions=None):
    """At least `repetitions` timed runs, and more until they add up to `minimum_seconds` (at most `max_repetitions`),
    as the .NET bench's RepetitionPlan does."""
    load_before = load_average()
    release_memory()
    rss_before = rss_bytes()
    peak_is_per_workload = try_reset_peak()
    workload.setup(device)
    for _ in range(warmup):
        workload.run()
        synchronize(device)
    seconds = []
    limit = max_repetitions if max_repetitions is not None else repetitions
    while len(seconds) < repetitions or (sum(seconds) < minimum_seconds and len(seconds) < limit):
        start = time.perf_counter()
        workload.run()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    return {
        "name": workload.name,
        "shape": workload.shape,
        "unit": workload.unit,
        "items_per_repetition": workload.items,
        "warmup": warmup,
        "repetition_seconds": seconds,
        "median_seconds": median,
        "items_per_second": workload.items / median,
        "spread": (max(seconds) - min(seconds)) / median,
        "rss_before_mib": mib(rss_before),
        "rss_after_mib": mib(rss_bytes()),
        "peak_mib": mib(peak_bytes()),
        "peak_is_per_workload": peak_is_per_workload,
        "load_before": load_before,
        "load_after": load_average(),
    }


def soak(device, steps, every, adamw):
    if every % LOG_EVERY != 0:
        raise SystemExit(f"error: --soak-every must be a multiple of {LOG_EVERY}; got {every}.")
    workload = FlowTrainingStep(quick=False, adamw=adamw)
    workload.items = every
    workload.setup(device)
    points = []

    def read(step, clock):
        point = {"step": step, "rss_mib": mib(rss_bytes()), "live_tensors": None, "seconds": clock}
        points.append(point)
        print(f"soak step {step}: RSS {point['rss_mib']:.1f} MiB, {clock:.0f} s", file=sys.stderr)

    read(0, 0.0)
    start = time.perf_counter()
    while workload.step < steps:
        workload.items = min(every, steps - workload.step)
        workload.run()
        read(workload.step, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    warm = [p["rss_mib"] for p in (points[1:] if len(points) > 1 else points)]
    quarter = max(1, len(warm) // 4)
    first_median, last_median = statistics.median(warm[:quarter]), statistics.median(warm[-quarter:])
    return {
        "steps": steps,
        "every": every,
        "points": points,
        "start_mib": warm[0],
        "end_mib": warm[-1],
        "growth_percent": 100 * (warm[-1] - warm[0]) / warm[0],
        "first_quarter_median_mib": first_median,
        "last_quarter_median_mib": last_median,
        "median_growth_percent": 100 * (last_median - first_median) / first_median,
        "steps_per_second": steps / seconds,
    }


# --------------------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------------------

def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where to compute (default: cpu)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch.set_num_threads; 0 keeps torch's default")
    parser.add_argument("--omp-wait-policy", choices=WAIT_POLICIES, default="passive",
                        help="OMP_WAIT_POLICY for torch's OpenMP threads, set before torch loads (default: passive, as "
                             "the PrecondFlow bench; inherit leaves the environment as it is)")
    parser.add_argument("--native-heap", choices=("system", "keep"), default="system",
                        help="system (the default: glibc's own thresholds, as PyTorch runs) or keep: glibc keeps freed blocks "
                             "of up to 32 MiB and its heap's free top for reuse, as PrecondFlow's command line and bench set it "
                             "(mallopt M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 2 GiB - 1), so that a training step does not "
                             "fault its activations' pages in again every step")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 warm-up and 2 timed repetitions with fewer items each; same shapes")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="write JSON: to standard output without FILE (the table then goes to standard error)")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=[], help="run only these workloads")
    parser.add_argument("--adamw", choices=("default", "foreach", "fused"), default="default",
                        help="AdamW implementation: torch's default (a per-parameter loop on the CPU, like TorchSharp's), "
                             "foreach, or fused (one kernel; CPU needs torch >= 2.4)")
    parser.add_argument("--finite-check", choices=("every", "end", "none"), default="every",
                        help="when RK4 sampling reads back the finiteness of the state: every step (as the library), "
                             "only at the end, or never")
    parser.add_argument("--soak", type=int, default=0,
                        help="instead of the workloads, train the Table-4 model this many steps, reading RSS along the way")
    parser.add_argument("--soak-every", type=int, default=1000, help="steps between RSS readings of --soak")
    args = parser.parse_args(argv)
    if args.threads < 0:
        parser.error(f"--threads must be 0 or positive; got {args.threads}")
    if args.soak < 0 or args.soak_every < 1:
        parser.error("--soak must be 0 or positive and --soak-every positive")
    return args


def format_table(report) -> str:
    runtime = report["runtime"]
    lines = [f"PyTorch reference: {runtime['device']}, {runtime['threads']} threads, {runtime['processor_count']} "
             f"processors, OMP_WAIT_POLICY {report['omp_wait_policy']}, native heap {report['native_heap']}, "
             f"AdamW {report['adamw']}"
             + (", quick" if report["quick"] else "")]
    header = f"{'workload':<20} {'median / rep':>12} {'throughput':>22} {'spread':>7} {'RSS before → after':>20} {'peak RSS':>9}"
    lines += [header, "-" * len(header)]
    for r in report["results"]:
        median = r["median_seconds"]
        median_text = f"{median:.2f} s" if median >= 1 else f"{1000 * median:.1f} ms"
        rate = r["items_per_second"]
        rate_text = f"{rate:,.0f}" if rate >= 100 else f"{rate:.2f}"

        def m(v):
            return "n/a" if v is None else f"{v:.0f} MiB"

        lines.append(f"{r['name']:<20} {median_text:>12} {rate_text + ' ' + r['unit'] + '/s':>22} "
                     f"{100 * r['spread']:>6.0f}% {m(r['rss_before_mib']) + ' → ' + m(r['rss_after_mib']):>20} "
                     f"{m(r['peak_mib']):>9}")
    soak_result = report.get("soak")
    if soak_result:
        lines.append(f"soak: {soak_result['steps']} steps, RSS {soak_result['start_mib']:.1f} MiB after "
                     f"{soak_result['every']} steps -> {soak_result['end_mib']:.1f} MiB "
                     f"({soak_result['growth_percent']:+.1f}%), {soak_result['steps_per_second']:.1f} steps/s")
    return "\n".join(lines)


def keep_freed_native_memory():
    """The same glibc thresholds as PrecondFlow's NativeHeapReuse (M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3)."""
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    if libc.mallopt(-3, 32 << 20) != 1 or libc.mallopt(-1, 2**31 - 1) != 1:
        raise SystemExit("error: glibc refused mallopt's mmap or trim threshold")


def main(argv=None) -> int:
    global torch
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    if args.omp_wait_policy != "inherit":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy.upper()
    if args.native_heap == "keep":
        keep_freed_native_memory()
    import torch as _torch  # noqa: E402  (after OMP_WAIT_POLICY: OpenMP reads it when torch loads)
    torch = _torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("error: CUDA was requested but torch.cuda.is_available() is False.", file=sys.stderr)
        return 2
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The same plan as the .NET bench's RepetitionPlan (Full and Smoke).
    warmup, repetitions, minimum_seconds, max_repetitions = (1, 2, 0.0, 2) if args.quick else (2, 5, 3.0, 50)
    factories = {
        "flow-train-step": lambda: FlowTrainingStep(args.quick, args.adamw),
        "realnvp-train-step": lambda: RealNvpTrainingStep(args.quick, args.adamw),
        "flow-sample-rk4": lambda: FlowSampling(args.quick, args.finite_check),
        "realnvp-inverse": lambda: RealNvpInverse(args.quick, args.adamw),
        "kappa-profile": lambda: KappaProfile(args.quick),
        "ensemble-train-step": lambda: EnsembleTrainingStep(args.quick),
        "sequential-train-step": lambda: SequentialTrainingStep(args.quick, args.adamw),
        "unet-train-step": lambda: UNetTrainingStep(args.quick, args.adamw),
    }
    results, soak_result = [], None
    if args.soak > 0:
        soak_result = soak(device, args.soak, args.soak_every, args.adamw)
    else:
        for name in WORKLOADS:
            if (args.only and name not in args.only) or (not args.only and name in ON_REQUEST):
                continue
            workload = factories[name]()
            print(f"running {name} ({workload.shape})…", file=sys.stderr)
            results.append(measure(workload, warmup, repetitions, device, minimum_seconds, max_repetitions))
            del workload
    report = {
        "implementation": "pytorch",
        "date_utc": date,
        "runtime": {
            "torch_version": torch.__version__,
            "device": str(device),
            "threads": torch.get_num_threads(),
            "cuda_available": torch.cuda.is_available(),
            "os": platform.platform(),
            "processor_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        "native_heap": args.native_heap,
        "adamw": args.adamw,
        "finite_check": args.finite_check,
        "quick": args.quick,
        "results": results,
        "soak": soak_result,
    }
    table_stream = sys.stderr if args.json == "-" else sys.stdout
    print(format_table(report), file=table_stream)
    if args.json == "-":
        print(json.dumps(report, indent=2))
    elif args.json:
        temp = f"{args.json}.tmp"
        with open(temp, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(temp, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
