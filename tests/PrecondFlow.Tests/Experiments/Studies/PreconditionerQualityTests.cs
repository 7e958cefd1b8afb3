using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Studies.Regimes;
using PrecondFlow.Metrics;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>The ablation's two numbers against brute force: RealNVP's held-out NLL (the change-of-variables formula) and the
/// slit statistic (Spearman's ρ and quartile means, recomputed here with plain loops).</summary>
public class PreconditionerQualityTests
{
    [Fact]
    public void TheHeldOutNllOfWhiteningIsTheFittedGaussiansNll()
    {
        using var scope = NewDisposeScope();
        // Whitening is the affine map of the fitted Gaussian N(μ̂, Σ̂), so −log p_P(x) = ½(x − μ̂)ᵀΣ̂⁻¹(x − μ̂) + log 2π + ½ log det Σ̂.
        var data = new ElongatedGaussian(kappa: 50, angleDegrees: 20).Sample(4000, seed: 1, ScalarType.Float64);
        using var p = new AffineWhitening(2);
        p.Fit(data);
        var test = new ElongatedGaussian(kappa: 50, angleDegrees: 20).Sample(500, seed: 2, ScalarType.Float64).Points;
        var mean = data.Points.mean([0]);
        var centred = data.Points - mean;
        var covariance = centred.T.matmul(centred) / (data.Points.shape[0] - 1);
        var d = test - mean;
        var mahalanobis = (d.matmul(linalg.inv(covariance)) * d).sum(1);
        double expected = (0.5 * mahalanobis).mean().item<double>() + Math.Log(2 * Math.PI) + 0.5 * linalg.slogdet(covariance).Item2.item<double>();
        // 1/(n−1) vs 1/n in the fitted covariance shifts the NLL by ≈ 1/n = 2.5e-4; float32 maps add ~1e-5.
        Assert.Equal(expected, PreconditionerQuality.HeldOutNll(p, test), 2e-3);
    }

    [Fact]
    public void TheSlitStatisticIsSpearmansRhoAndTheQuartileMeans()
    {
        using var scope = NewDisposeScope();
        using var p = new RealNvp(2, new RealNvpOptions(Couplings: 4, Hidden: 16, Steps: 80, LogEvery: 10));
        var roll = new SwissRoll();
        p.Fit(roll.Sample(1000, seed: 3), seed: 3);
        var z = randn(400, 2, generator: new Generator(7));
        var (rho, quartiles) = PreconditionerQuality.Slit(p, z, roll.GeneratingCurve);

        var norms = InverseJacobian.SpectralNorms(p, z).data<double>().ToArray();
        Tensor x;
        using (no_grad())
            x = p.Inverse(z);
        var distances = CurveDistance.Compute(x.to(ScalarType.Float64), roll.GeneratingCurve).data<double>().ToArray();
        double[] Ranks(double[] v)
        {
            var r = new double[v.Length];
            var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
            for (int k = 0; k < order.Length; k++)
                r[order[k]] = k;
            return r;
        }
        var (rn, rd) = (Ranks(norms), Ranks(distances));
        double m = (norms.Length - 1) / 2.0;
        double covariance = rn.Zip(rd, (a, b) => (a - m) * (b - m)).Sum();
        double variance = rn.Sum(a => (a - m) * (a - m));
        // Ranks without ties: ρ = cov(ranks)/var(ranks), exact to round-off.
        Assert.Equal(covariance / variance, rho, 1e-9);
        var byDistance = Enumerable.Range(0, norms.Length).OrderBy(i => distances[i]).ToArray();
        for (int q = 0; q < 4; q++)
            Assert.Equal(byDistance.Skip(q * 100).Take(100).Average(i => norms[i]), quartiles[q], 1e-9);
    }
}
