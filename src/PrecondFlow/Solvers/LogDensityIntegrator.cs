using PrecondFlow.Data.Internal;
using PrecondFlow.Solvers.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// Log-densities and log-determinants of a flow by the continuous change of variables: integrates the
/// augmented ODE d[x, ℓ]/dt = [v(x, t), ∇·v(x, t)] from t_from to t_to with any <see cref="IOdeSolver"/>,
/// so that ℓ(t_to) = ∫_{t_from}^{t_to} ∇·v(x_t, t) dt per sample.
/// </summary>
/// <remarks>
/// <para>Along a trajectory, d/dt log p_t(x_t) = −∇·v(x_t, t) and d/dt log|det ∂x_t/∂x_{t_from}| = ∇·v(x_t, t). Hence
/// ℓ(t_to) is the log-determinant of the flow map Φ: x_{t_from} ↦ x_{t_to} (what a flow-based preconditioner
/// reports), and log p_{t_from}(x) = log p_{t_to}(Φ(x)) + ℓ(t_to) in either direction of time.</para>
/// <para>Likelihood of data under a flow from N(0, I) at t = 0 to the data at t = 1: integrate x from
/// t = 1 back to t = 0, giving z = Φ(x) and ℓ = ∫_1^0 ∇·v dt = −∫_0^1 ∇·v dt; then
/// log p_1(x) = log N(z; 0, I) − ∫_0^1 ∇·v dt = log N(z; 0, I) + ℓ, which is
/// <c>integrator.Integrate(v, x, 1, 0).LogDensityAtStart()</c>.</para>
/// <para>Hutchinson mode (as in FFJORD): K probe vectors ε_k are drawn once per sample from the seed and
/// held fixed along the whole trajectory, and ℓ has K components, dℓ_k/dt = ε_kᵀ(∂v/∂x)ε_k. Since the
/// trajectory does not depend on ℓ, ℓ_k = ε_kᵀ(∫ ∂v/∂x dt)ε_k: given the trajectory, the K values are
/// independent, unbiased estimates of the integrated divergence. The result is their mean, and the
/// standard error is s/√K with s the sample standard deviation of ℓ_1..ℓ_K (divisor K − 1): an estimate
/// of the standard deviation of that mean over redraws of the probes. It measures the probe noise only,
/// not the solver's discretisation error, and with few probes it is itself rough (its relative error is
/// about 1/√(2(K − 1)) when the ℓ_k are near Gaussian).</para>
/// <para>Results carry no autograd graph; v must treat samples independently (see <see cref="Divergence"/>).
/// An adaptive solver controls the error of ℓ together with that of x.</para>
/// </remarks>
public sealed class LogDensityIntegrator
{
    /// <param name="solver">the solver of the augmented ODE (fixed-step or adaptive).</param>
    /// <param name="options">divergence settings; null uses the defaults of <see cref="LogDensityOptions"/>.</param>
    public LogDensityIntegrator(IOdeSolver solver, LogDensityOptions? options = null)
    {
        Solver = solver ?? throw new ArgumentNullException(nameof(solver));
        Options = options ?? new LogDensityOptions();
        Options.Validate();
    }

    /// <summary>The solver of the augmented ODE [x, ℓ].</summary>
    public IOdeSolver Solver { get; }

    /// <summary>Exact or Hutchinson divergence, probes and seed (validated).</summary>
    public LogDensityOptions Options { get; }

    /// <summary>Integrates x and ∫∇·v dt from <paramref name="tFrom"/> to <paramref name="tTo"/>.</summary>
    /// <param name="velocity">v(x, t), (batch, dim) → (batch, dim).</param>
    /// <param name="x">(batch, dim) floating-point points at tFrom.</param>
    /// <param name="tFrom">start time.</param>
    /// <param name="tTo">end time, before or after tFrom.</param>
    public LogDensityResult Integrate(Dynamics velocity, Tensor x, double tFrom, double tTo)
    {
        ArgumentNullException.ThrowIfNull(velocity);
        PointChecks.Points(x, nameof(x), "Log-density integration", minimumCount: 0);
        var batch = x.shape[0];
        var dim = (int)x.shape[1];
        var method = Options.Resolve(dim);
        var channels = method == DivergenceMethod.Exact ? 1 : Options.Probes;

        using var scope = torch.NewDisposeScope();
        Dynamics augmented;
        if (method == DivergenceMethod.Exact)
        {
            augmented = (state, t) =>
            {
                var (v, divergence) = Divergence.ValueAndExact(p => velocity(p, t), state.narrow(1, 0, dim));
                return torch.cat(new[] { v, divergence.unsqueeze(1).to(v.dtype) }, 1);
            };
        }
        else
        {
            var probes = DrawProbes(x, Options.Probes);
            augmented = (state, t) =>
            {
                var (v, estimates) = Divergence.ValueAndHutchinson(p => velocity(p, t), state.narrow(1, 0, dim), probes);
                return torch.cat(new[] { v, estimates.to(v.dtype) }, 1);
            };
        }

        var start = torch.cat(new[] { x, torch.zeros(batch, channels, dtype: x.dtype, device: x.device) }, 1);
        var solution = Solver.Integrate(augmented, start, tFrom, tTo);
        var final = solution.Final.narrow(1, 0, dim).clone();
        var logDets = solution.Final.narrow(1, dim, channels);
        var integrated = logDets.mean(new long[] { 1 });
        Tensor? standardError = channels > 1 ? logDets.std(1) / Math.Sqrt(channels) : null;

        final.MoveToOuterDisposeScope();
        integrated.MoveToOuterDisposeScope();
        standardError?.MoveToOuterDisposeScope();
        return new LogDensityResult(final, integrated, standardError, solution.FunctionEvaluations, method);
    }

    /// <summary>log N(z; 0, I) = −½‖z‖² − (d/2)·log 2π per row.</summary>
    /// <param name="z">(batch, dim) points.</param>
    /// <returns>(batch) log-densities.</returns>
    public static Tensor StandardNormalLogDensity(Tensor z)
    {
        var dim = z.shape[^1];
        return -0.5 * z.square().sum(-1) - 0.5 * dim * Math.Log(2 * Math.PI);
    }

    /// <summary>(K, batch, dim) probes drawn from the options' seed.</summary>
    private Tensor DrawProbes(Tensor x, int count)
    {
        using var generator = new Generator((ulong)Options.Seed, x.device);
        var shape = new[] { count, x.shape[0], x.shape[1] };
        return Options.Distribution == ProbeDistribution.Gaussian
            ? torch.randn(shape, dtype: x.dtype, device: x.device, generator: generator)
            : torch.randint(0, 2, shape, dtype: x.dtype, device: x.device, generator: generator) * 2 - 1;
    }
}
