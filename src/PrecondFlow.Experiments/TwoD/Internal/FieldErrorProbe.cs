using PrecondFlow.Fields;
using PrecondFlow.LinearAlgebra;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Theory;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>
/// Measures a learned velocity field against the exact one when the data are Gaussian and the preconditioner is affine
/// (identity or whitening), in the original coordinates and on one common scale for every arm.
/// </summary>
/// <remarks>
/// <para>Points are rows. An affine preconditioner is z = x·M + b, so x₁ ~ N(μ, Σ) becomes z₁ ~ N(m, S) with
/// m = μM + b and S = MᵀΣM. The main flow runs on the linear path z_t = (1 − t)z₀ + t·z₁, z₀ ~ N(0, I), whose exact
/// velocity is the conditional mean of u = z₁ − z₀ given z_t; for jointly Gaussian variables
/// v*(z, t) = m + (z − t·m)·A_t with A_t = C_t S_t⁻¹ the matrix of <see cref="GaussianTransport.VelocityMatrix"/> for
/// the covariance S (eq. 11; symmetric). Without preconditioning M = I, b = 0, μ = 0 and v* = A_t x.</para>
/// <para>Errors are mapped to x units: x = (z − b)·M⁻¹, so dx/dt = (dz/dt)·M⁻¹ (for whitening M⁻¹ = Σ̂^½: the
/// column-vector form dx/dt = C dz/dt with C = Σ̂^½). The error is
/// √(Σ ‖(v − v*)M⁻¹‖²) / √(Σ ‖A_t x_t‖²): the numerator over the arm's own probe points z_t at several times, the
/// denominator over probe points x_t of the unpreconditioned problem at the same times. The denominator is the same for
/// every arm, so the numbers compare absolute errors in the original coordinates on the scale of the original velocity;
/// dividing by the arm's own ‖v*‖ instead would not do: for whitened data the exact field is small (it vanishes at
/// t = ½, A_t ∝ (2t − 1) when S = I) and a zero field already samples well.</para>
/// <para>Comparing the whitened arm's field with A_t of the original problem would be wrong: its path in x
/// coordinates starts at N(μ̂, Σ̂), not at N(0, I), so its exact field is a different one.</para>
/// </remarks>
internal sealed class FieldErrorProbe : IDisposable
{
    private readonly List<(double T, Tensor Z, Tensor Exact)> probes = new();
    private readonly Tensor toOriginal; // (d, d) float64, M⁻¹
    private readonly double referenceSquaredNorm; // Σ ‖A_t x_t‖² of the unpreconditioned problem

    /// <param name="mean">(d) float64 mean μ of x₁.</param>
    /// <param name="covariance">(d, d) float64 covariance Σ of x₁.</param>
    /// <param name="preconditioner">A fitted affine preconditioner.</param>
    /// <param name="times">Times of the probes, in (0, 1).</param>
    /// <param name="count">Probe points per time.</param>
    /// <param name="seed">Seed of the probe points.</param>
    public FieldErrorProbe(Tensor mean, Tensor covariance, IPreconditioner preconditioner, IReadOnlyList<double> times, int count, long seed)
    {
        Times = times;
        using var scope = NewDisposeScope();
        int d = (int)mean.shape[0];
        var offset = preconditioner.Forward(zeros(1, d, dtype: ScalarType.Float64)).Z;            // b, (1, d)
        var linear = preconditioner.Forward(eye(d, dtype: ScalarType.Float64)).Z - offset;          // M: row i is P(e_i) − b
        toOriginal = linalg.inv(linear).DetachFromDisposeScope();
        var meanZ = mean.to(ScalarType.Float64).unsqueeze(0).mm(linear) + offset;                      // m, (1, d)
        var covarianceZ = SymmetricMatrices.Symmetrize(linear.T.mm(covariance.to(ScalarType.Float64)).mm(linear));
        var transport = new GaussianTransport(covarianceZ);
        var factor = linalg.cholesky(covarianceZ);
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var t in times)
        {
            var z0 = randn(count, d, dtype: ScalarType.Float64, generator: generator);
            var z1 = meanZ + randn(count, d, dtype: ScalarType.Float64, generator: generator).mm(factor.T);
            var zt = (1 - t) * z0 + t * z1;
            var exact = meanZ + (zt - t * meanZ).mm(transport.VelocityMatrix(t));
            probes.Add((t, zt.DetachFromDisposeScope(), exact.DetachFromDisposeScope()));
        }
        transport.Covariance.Dispose();

        // The common scale: the exact velocity of the unpreconditioned problem, N(0, I) → N(μ, Σ), on its own path.
        var original = new GaussianTransport(covariance.to(ScalarType.Float64));
        var originalFactor = linalg.cholesky(original.Covariance);
        var mu = mean.to(ScalarType.Float64).unsqueeze(0);
        foreach (var t in times)
        {
            var x0 = randn(count, d, dtype: ScalarType.Float64, generator: generator);
            var x1 = mu + randn(count, d, dtype: ScalarType.Float64, generator: generator).mm(originalFactor.T);
            var xt = (1 - t) * x0 + t * x1;
            referenceSquaredNorm += (mu + (xt - t * mu).mm(original.VelocityMatrix(t))).square().sum().item<double>();
        }
        original.Covariance.Dispose();
    }

    /// <summary>The probe times.</summary>
    public IReadOnlyList<double> Times { get; }

    /// <summary>The error of <paramref name="field"/> over all probes on the common scale, and its RMS (x units) per time.</summary>
    public (double Relative, double[] RmsPerTime) Measure(VectorField field, ModelSpec spec)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var model = new GenerativeModel(field, spec);
        var parameter = field.parameters().First();
        double errorSum = 0;
        var rms = new double[probes.Count];
        for (int i = 0; i < probes.Count; i++)
        {
            var (t, z, exact) = probes[i];
            var v = model.Velocity(z.to(parameter.device).to(parameter.dtype), t).cpu().to(ScalarType.Float64);
            double error = (v - exact).mm(toOriginal).square().sum().item<double>();
            errorSum += error;
            rms[i] = Math.Sqrt(error / z.shape[0]);
        }
        return (Math.Sqrt(errorSum / referenceSquaredNorm), rms);
    }

    public void Dispose()
    {
        toOriginal.Dispose();
        foreach (var (_, z, exact) in probes)
        {
            z.Dispose();
            exact.Dispose();
        }
    }
}
