using PrecondFlow.Devices;
using PrecondFlow.Data.Internal;
using PrecondFlow.Solvers.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// The divergence ∇·f(x) = tr ∂f/∂x of a vector field, per sample, by automatic differentiation:
/// exactly (one backward pass per dimension) or by Hutchinson's unbiased estimator εᵀ(∂f/∂x)ε
/// (one vector–Jacobian product per probe ε, with E[εεᵀ] = I).
/// </summary>
/// <remarks>
/// f must treat samples independently (row i of its output depends on row i of its input only):
/// the batch is differentiated in one pass. Gradient recording is switched on inside, so these work
/// when the caller runs under <c>torch.no_grad()</c>; the input is detached first and the results carry
/// no graph (they cannot be back-propagated into f's parameters).
/// </remarks>
public static class Divergence
{
    /// <summary>The exact divergence ∇·f(x), one backward pass per dimension.</summary>
    /// <param name="f">vector field, (batch, dim) → (batch, dim).</param>
    /// <param name="x">(batch, dim) points.</param>
    /// <returns>(batch) divergence at each point.</returns>
    public static Tensor Exact(Func<Tensor, Tensor> f, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var (_, divergence) = ValueAndExact(f, x);
        return divergence.MoveToOuterDisposeScope();
    }

    /// <summary>Hutchinson's estimate εᵀ(∂f/∂x)ε of the divergence for one probe per sample.</summary>
    /// <param name="f">vector field, (batch, dim) → (batch, dim).</param>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="probe">(batch, dim) probe vectors with E[εεᵀ] = I: Rademacher (±1) entries, which give
    /// the smaller variance, or standard Gaussian ones.</param>
    /// <returns>(batch) unbiased estimate of the divergence at each point.</returns>
    public static Tensor Hutchinson(Func<Tensor, Tensor> f, Tensor x, Tensor probe)
    {
        CheckProbes(x, probe, probe.dim() == 2 ? probe.shape : null, nameof(probe));
        using var scope = torch.NewDisposeScope();
        var (_, estimates) = ValueAndHutchinson(f, x, probe.unsqueeze(0));
        return estimates.squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Hutchinson's estimates for K probes per sample, from one evaluation of f and K vector–Jacobian
    /// products; their mean is the K-probe estimate.
    /// </summary>
    /// <param name="f">vector field, (batch, dim) → (batch, dim).</param>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="probes">(K, batch, dim) probe vectors, see <see cref="Hutchinson"/>.</param>
    /// <returns>(K, batch) one estimate per probe and sample.</returns>
    public static Tensor HutchinsonPerProbe(Func<Tensor, Tensor> f, Tensor x, Tensor probes)
    {
        CheckProbes(x, probes, probes.dim() == 3 ? probes.shape[1..] : null, nameof(probes));
        using var scope = torch.NewDisposeScope();
        var (_, estimates) = ValueAndHutchinson(f, x, probes);
        return estimates.t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>f(x) and its exact divergence from one evaluation of f; both detached.</summary>
    /// <returns>value (batch, dim) and divergence (batch), in the current dispose scope.</returns>
    internal static (Tensor Value, Tensor Divergence) ValueAndExact(Func<Tensor, Tensor> f, Tensor x)
    {
        CheckPoints(x);
        using var grad = torch.enable_grad();
        var input = x.detach().requires_grad_(true);
        var value = Evaluate(f, input);
        var dim = (int)x.shape[1];
        var divergence = torch.zeros(x.shape[0], dtype: value.dtype, device: value.device);
        if (value.requires_grad)
        {
            // Back-propagation through a convolutional field must not run on oneDNN (see CpuConvolutions).
            using var convolutions = CpuConvolutions.WithoutOneDnn();
            for (var i = 0; i < dim; i++)
            {
                // Σ_batch ∂f_i/∂x: row b is ∂f_i(x_b)/∂x_b because samples are independent; keep column i.
                var row = torch.autograd.grad(
                    new[] { value.select(1, i).sum() }, new[] { input },
                    retain_graph: i + 1 < dim, allow_unused: true)[0];
                if (!row.IsInvalid)
                    divergence.add_(row.select(1, i));
            }
        }
        return (value.detach(), divergence);
    }

    /// <summary>f(x) and Hutchinson's estimates for K probes from one evaluation of f; all detached.</summary>
    /// <param name="f">vector field.</param>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="probes">(K, batch, dim) probes.</param>
    /// <returns>value (batch, dim) and estimates (batch, K), in the current dispose scope.</returns>
    internal static (Tensor Value, Tensor Estimates) ValueAndHutchinson(Func<Tensor, Tensor> f, Tensor x, Tensor probes)
    {
        CheckPoints(x);
        using var grad = torch.enable_grad();
        var input = x.detach().requires_grad_(true);
        var value = Evaluate(f, input);
        var count = (int)probes.shape[0];
        var estimates = torch.zeros(x.shape[0], count, dtype: value.dtype, device: value.device);
        if (value.requires_grad)
        {
            // Back-propagation through a convolutional field must not run on oneDNN (see CpuConvolutions).
            using var convolutions = CpuConvolutions.WithoutOneDnn();
            for (var k = 0; k < count; k++)
            {
                var probe = probes[k].to(value.dtype);
                var vjp = torch.autograd.grad(
                    new[] { value }, new[] { input }, new[] { probe },
                    retain_graph: k + 1 < count, allow_unused: true)[0];
                if (!vjp.IsInvalid)
                    estimates.select(1, k).copy_((vjp * probe).sum(1));
            }
        }
        return (value.detach(), estimates);
    }

    private static Tensor Evaluate(Func<Tensor, Tensor> f, Tensor input)
    {
        var value = f(input) ?? throw new InvalidOperationException("The vector field returned null.");
        if (!value.shape.SequenceEqual(input.shape))
            throw new InvalidOperationException(
                $"The vector field returned shape {Numbers.Shape(value.shape)} for points of shape {Numbers.Shape(input.shape)}; " +
                "a divergence needs a field with the shape of its input.");
        return value;
    }

    private static void CheckPoints(Tensor x) => PointChecks.Points(x, nameof(x), "Divergence", minimumCount: 0);

    private static void CheckProbes(Tensor x, Tensor probes, long[]? perProbeShape, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(probes);
        if (perProbeShape is null || !perProbeShape.SequenceEqual(x.shape))
            throw new ArgumentException(
                $"The probes have shape {Numbers.Shape(probes.shape)} for points of shape {Numbers.Shape(x.shape)}; " +
                (name == "probe" ? "pass one probe vector per point, of the points' shape." : "pass (K, batch, dim) probes."),
                name);
    }
}
