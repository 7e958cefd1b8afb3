using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments;

/// <summary>
/// The field error of Fig. 2 compares a learned field with the exact one of the regression each arm solves. The exact
/// field is checked here against an independent estimate: for jointly Gaussian (z_t, u) the conditional mean E[u | z_t]
/// is the least-squares affine predictor of u from z_t, which a large regression recovers.
/// </summary>
public class FieldErrorProbeTests
{
    private static readonly double[] Times = [0.1, 0.5, 0.9];

    /// <summary>A field that applies a fitted affine map z·W_t + c_t at each of a few times (float64).</summary>
    private sealed class AffinePerTime : VectorField
    {
        private readonly Dictionary<double, (Tensor W, Tensor C)> maps;
        private readonly TorchSharp.Modules.Parameter dtypeCarrier = nn.Parameter(zeros(1, dtype: float64));

        public AffinePerTime(Dictionary<double, (Tensor W, Tensor C)> maps) : base("AffinePerTime", 2, 0)
        {
            this.maps = maps;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor t, Tensor? labels)
        {
            var (w, c) = maps[Math.Round(t.flatten()[0].item<double>(), 6)];
            return x.mm(w) + c;
        }
    }

    /// <summary>The least-squares affine regression of u = z₁ − z₀ on z_t over many samples of the arm's own path.</summary>
    private static AffinePerTime Regression(ElongatedGaussian data, IPreconditioner p, long count, long seed, double scale = 1)
    {
        using var g = new Generator((ulong)seed);
        var maps = new Dictionary<double, (Tensor, Tensor)>();
        var z1 = p.Forward(data.Sample(count, g, ScalarType.Float64).Points).Z;
        foreach (var t in Times)
        {
            var z0 = randn(count, 2, dtype: float64, generator: g);
            var zt = (1 - t) * z0 + t * z1;
            var design = cat([zt, ones(count, 1, dtype: float64)], 1);
            var solution = linalg.lstsq(design, z1 - z0).Solution;
            maps[t] = (scale * solution.narrow(0, 0, 2), scale * solution.narrow(0, 2, 1));
        }
        return new AffinePerTime(maps);
    }

    private static (double Exact, double Zero) Errors(IPreconditioner p, ElongatedGaussian data)
    {
        var spec = new ModelSpec(new FieldConfig(Dim: 2));
        using var probe = new FieldErrorProbe(data.Mean, data.Covariance, p, Times, count: 4000, seed: 3);
        double exact = probe.Measure(Regression(data, p, 400_000, seed: 9), spec).Relative;
        double zero = probe.Measure(Regression(data, p, 1000, seed: 9, scale: 0), spec).Relative;
        return (exact, zero);
    }

    // An off-centre target and a whitening fitted on only 300 points, so that the whitened target has a mean m ≠ 0 and
    // a covariance S ≠ I that the exact field must account for.
    private static readonly ElongatedGaussian Target = new(kappa: 100, angleDegrees: 30, maxVariance: 1, meanX: 0.8, meanY: -0.4);

    [Fact]
    public void TheExactFieldOfTheUnpreconditionedProblemMatchesTheLeastSquaresVelocity()
    {
        var (exact, zero) = Errors(new IdentityPreconditioner(2), Target);
        // 400 000 regression samples leave a Monte-Carlo error of the fitted map of about 1/√400 000 ≈ 0.2% per
        // coefficient, amplified by the ill-conditioned directions: 2% is far below the zero field's error.
        Assert.True(exact < 0.02, $"error of the least-squares field {exact:G3}");
        Assert.True(zero > 0.5, $"a zero field must be far off; got {zero:G3}");
    }

    [Fact]
    public void TheExactFieldOfTheWhitenedProblemMatchesTheLeastSquaresVelocityInItsOwnCoordinates()
    {
        using var whitening = new AffineWhitening(2);
        whitening.Fit(Target.Sample(300, seed: 5, ScalarType.Float64));
        var (exact, zero) = Errors(whitening, Target);
        Assert.True(exact < 0.02, $"error of the least-squares field {exact:G3}");
        // The whitened problem's exact field is small on the common scale (the data are already ≈ N(0, I)), so even a
        // zero field is not far off; it must still be distinguishable from the exact one.
        Assert.True(zero > 5 * exact, $"a zero field must be measurably worse; got {zero:G3} against {exact:G3}");
    }
}
