#!/usr/bin/env python3
"""PrecondFlow's `--coupling ot` side by side with TorchCFM's OT-CFM recipe, on the same data files.

    python3 bench/reference/otcfm_side_by_side.py --out otcfm-side-by-side          # needs torch, numpy, scipy

It needs neither TorchCFM nor POT (whose `ot.emd` gives TorchCFM its exact plan): it re-implements the recipe of
TorchCFM's `ExactOptimalTransportConditionalFlowMatcher` and of its 2D examples in plain PyTorch, operation for
operation:
  * the exact plan of a minibatch: POT's `ot.emd(a, b, M)` with uniform a, b and M the squared Euclidean distances,
    normalised by its maximum as TorchCFM's `OTPlanSampler` does. With equal batch sizes the optimal plan is a
    permutation matrix divided by n (Birkhoff), which `scipy.optimize.linear_sum_assignment` finds exactly;
  * pairs drawn from the plan as TorchCFM does: `batch` index pairs with replacement, probabilities = plan entries
    (`--plan-sampling permutation` uses the permutation itself instead, as PrecondFlow does);
  * t ~ U(0, 1), x_t = t x1 + (1 - t) x0 + sigma eps, target u_t = x1 - x0;
  * TorchCFM's `MLP(dim, time_varying=True, w=64)`: Linear(dim + 1, 64), SELU, (Linear(64, 64), SELU) x 2,
    Linear(64, dim), with t appended to x as a raw input; Adam at a constant learning rate; MSE loss.
PrecondFlow runs the same recipe from its command line: `train --source S.npy --data T.npy --coupling ot --hidden
64,64,64 --activation selu --time-encoding raw --constant-lr --grad-clip 0` (AdamW with weight decay 0 is Adam).

Both sides train on the same source and target files, integrate the same held-out source points with the same fixed-
step solvers (Euler and RK4 at several step counts), and every sample file is judged by one program, `precondflow
eval`, against the same held-out target points. The data sets follow TorchCFM's generators: 8 Gaussians (scale 5,
variance 0.1) and two moons (noise 0.2, scaled x3 and shifted by -1), drawn here with numpy.

Writes OUT/results.json (settings, per-seed metrics, training times) and prints a table: for each solver and step
count the mean sliced Wasserstein-2 distance of each side (with the standard deviation over seeds) and the training
time per step of each side (PrecondFlow's as its model.json records it: the training loop, without process start-up).
"""

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment


def eight_gaussians(n, rng):
    centers = np.array([(1, 0), (-1, 0), (0, 1), (0, -1),
                        (1 / math.sqrt(2), 1 / math.sqrt(2)), (1 / math.sqrt(2), -1 / math.sqrt(2)),
                        (-1 / math.sqrt(2), 1 / math.sqrt(2)), (-1 / math.sqrt(2), -1 / math.sqrt(2))]) * 5.0
    which = rng.integers(0, 8, size=n)
    return (centers[which] + math.sqrt(0.1) * rng.standard_normal((n, 2))).astype(np.float32)


def moons(n, rng, noise=0.2):
    # scikit-learn's make_moons (evenly spaced angles, Gaussian noise), then TorchCFM's x * 3 - 1.
    outer, inner = n // 2, n - n // 2
    a = np.linspace(0, math.pi, outer)
    b = np.linspace(0, math.pi, inner)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1), np.stack([1 - np.cos(b), 1 - np.sin(b) - 0.5], 1)])
    x = x + noise * rng.standard_normal(x.shape)
    rng.shuffle(x)
    return (x * 3 - 1).astype(np.float32)


def exact_plan_pairs(x0, x1, batch, rng, sampling):
    """TorchCFM's OTPlanSampler.sample_plan with method="exact"; the plan from linear_sum_assignment."""
    cost = torch.cdist(x0, x1) ** 2
    cost = (cost / cost.max()).double().numpy()
    rows, cols = linear_sum_assignment(cost)
    if sampling == "permutation":
        return x0[torch.from_numpy(rows)], x1[torch.from_numpy(cols)]
    n = x0.shape[0]
    plan = np.zeros((n, n))
    plan[rows, cols] = 1.0 / n
    p = plan.flatten()
    choices = rng.choice(n * n, p=p / p.sum(), size=batch, replace=True)
    i, j = np.divmod(choices, n)
    return x0[torch.from_numpy(i)], x1[torch.from_numpy(j)]


class Mlp(torch.nn.Module):
    """TorchCFM's torchcfm.models.MLP(dim, time_varying=True, w=64)."""

    def __init__(self, dim, width=64):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(dim + 1, width), torch.nn.SELU(),
            torch.nn.Linear(width, width), torch.nn.SELU(),
            torch.nn.Linear(width, width), torch.nn.SELU(),
            torch.nn.Linear(width, dim))

    def forward(self, x, t):
        return self.net(torch.cat([x, t.expand(x.shape[0], 1)], 1))


def train_reference(source, target, args, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Mlp(source.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    xs, xt = torch.from_numpy(source), torch.from_numpy(target)
    start = time.perf_counter()
    coupling_seconds = 0.0
    for _ in range(args.steps):
        x0 = xs[torch.from_numpy(rng.integers(0, xs.shape[0], args.batch))]
        x1 = xt[torch.from_numpy(rng.integers(0, xt.shape[0], args.batch))]
        c = time.perf_counter()
        x0, x1 = exact_plan_pairs(x0, x1, args.batch, rng, args.plan_sampling)
        coupling_seconds += time.perf_counter() - c
        t = torch.rand(x0.shape[0], 1)
        xt_ = t * x1 + (1 - t) * x0 + args.sigma * torch.randn_like(x0)
        loss = ((model(xt_, t) - (x1 - x0)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, time.perf_counter() - start, coupling_seconds


@torch.no_grad()
def integrate(model, x0, solver, steps):
    x, h = torch.from_numpy(x0), 1.0 / steps
    for k in range(steps):
        t = torch.full((1, 1), k * h)
        if solver == "euler":
            x = x + h * model(x, t)
        else:
            k1 = model(x, t)
            k2 = model(x + 0.5 * h * k1, t + 0.5 * h)
            k3 = model(x + 0.5 * h * k2, t + 0.5 * h)
            k4 = model(x + h * k3, t + h)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x.numpy()


def run(command, log):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    log.write(" ".join(command) + "\n")
    return time.perf_counter() - start


def sliced_w2(cli, samples, reference, out, log):
    folder = out + ".eval"
    run(cli + ["eval", "--samples", samples, "--reference", reference, "--seed", "0", "--out", folder], log)
    with open(os.path.join(folder, "metrics.json")) as f:
        metrics = json.load(f)
    return find(metrics, "sliced_wasserstein_2")


def find(node, key):
    """The first value under `key` anywhere in a JSON tree (the metrics file nests by kind)."""
    if isinstance(node, dict):
        if key in node and isinstance(node[key], (int, float)):
            return node[key]
        for value in node.values():
            found = find(value, key)
            if found is not None:
                return found
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="otcfm-side-by-side")
    parser.add_argument("--cli", default="src/PrecondFlow.Cli/bin/Release/net10.0/PrecondFlow.Cli.dll",
                        help="the built PrecondFlow command line (dotnet build -c Release first)")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--sigma", type=float, default=0.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--count", type=int, default=20000, help="training points of each side")
    parser.add_argument("--held-out", type=int, default=2000, help="source points integrated, target points judged against")
    parser.add_argument("--solver-steps", default="2,4,8,16,100")
    parser.add_argument("--plan-sampling", choices=["torchcfm", "permutation"], default="torchcfm")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for the reference")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    cli = ["dotnet", args.cli]
    rng = np.random.default_rng(12345)
    files = {}
    for name, data in [("source-train", eight_gaussians(args.count, rng)), ("target-train", moons(args.count, rng)),
                       ("source-test", eight_gaussians(args.held_out, rng)), ("target-test", moons(args.held_out, rng))]:
        files[name] = os.path.join(args.out, name + ".npy")
        np.save(files[name], data)
    source_test = np.load(files["source-test"])
    solver_steps = [int(s) for s in args.solver_steps.split(",")]
    rows = []
    with open(os.path.join(args.out, "commands.log"), "w") as log:
        for seed in range(args.seeds):
            model, seconds, coupling = train_reference(np.load(files["source-train"]), np.load(files["target-train"]), args, seed)
            row = {"seed": seed, "torchcfm_recipe": {"train_seconds": seconds, "coupling_seconds": coupling, "w2": {}},
                   "precondflow": {"w2": {}}}
            folder = os.path.join(args.out, f"precondflow-seed{seed}")
            row["precondflow"]["process_seconds"] = run(
                cli + ["train", "--source", files["source-train"], "--data", files["target-train"], "--coupling", "ot",
                       "--sigma", str(args.sigma), "--hidden", "64,64,64", "--activation", "selu", "--time-encoding", "raw",
                       "--lr", str(args.lr), "--constant-lr", "--grad-clip", "0", "--weight-decay", "0",
                       "--steps", str(args.steps), "--batch-size", str(args.batch), "--log-every", "500",
                       "--seed", str(seed), "--device", "cpu", "--out", folder], log)
            with open(os.path.join(folder, "model.json")) as f:
                row["precondflow"]["train_seconds"] = json.load(f)["seconds"]  # the training loop alone
            for solver in ["euler", "rk4"]:
                for steps in solver_steps:
                    key = f"{solver}-{steps}"
                    ours = os.path.join(args.out, f"precondflow-seed{seed}-{key}.npy")
                    run(cli + ["sample", "--model", folder, "--from", files["source-test"], "--solver", solver,
                               "--ode-steps", str(steps), "--device", "cpu", "--out", ours], log)
                    theirs = os.path.join(args.out, f"torchcfm-seed{seed}-{key}.npy")
                    np.save(theirs, integrate(model, source_test, solver, steps))
                    row["precondflow"]["w2"][key] = sliced_w2(cli, ours, files["target-test"], ours, log)
                    row["torchcfm_recipe"]["w2"][key] = sliced_w2(cli, theirs, files["target-test"], theirs, log)
            rows.append(row)
            print(f"seed {seed}: training {seconds:.1f} s (TorchCFM recipe), {row['precondflow']['train_seconds']:.1f} s (PrecondFlow)",
                  file=sys.stderr)
    results = {"settings": vars(args), "torch": torch.__version__, "threads": torch.get_num_threads(),
               "machine": platform.processor() or platform.machine(), "seeds": rows}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"{'solver':<10} {'PrecondFlow SW2':>18} {'TorchCFM recipe SW2':>22}")
    for solver in ["euler", "rk4"]:
        for steps in solver_steps:
            key = f"{solver}-{steps}"
            a = np.array([r["precondflow"]["w2"][key] for r in rows])
            b = np.array([r["torchcfm_recipe"]["w2"][key] for r in rows])
            print(f"{key:<10} {a.mean():>10.4f} ± {a.std(ddof=1) if len(a) > 1 else 0:.4f} "
                  f"{b.mean():>13.4f} ± {b.std(ddof=1) if len(b) > 1 else 0:.4f}")
    ours = np.mean([r["precondflow"]["train_seconds"] for r in rows]) / args.steps * 1e3
    theirs = np.mean([r["torchcfm_recipe"]["train_seconds"] for r in rows]) / args.steps * 1e3
    print(f"training: PrecondFlow {ours:.2f} ms/step, "
          f"TorchCFM recipe {theirs:.2f} ms/step (of which coupling "
          f"{np.mean([r['torchcfm_recipe']['coupling_seconds'] for r in rows]) / args.steps * 1e3:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
