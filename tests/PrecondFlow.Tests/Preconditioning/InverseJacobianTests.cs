using PrecondFlow.Data.Toy;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>‖∂P⁻¹/∂z‖₂ by autograd, against closed forms and central differences.</summary>
public class InverseJacobianTests
{
    [Fact]
    public void WhiteningsInverseStretchesByTheSquareRootOfTheLargestVariance()
    {
        using var scope = NewDisposeScope();
        // P⁻¹ of affine whitening is affine with a linear part whose singular values are the square roots of the fitted
        // covariance's eigenvalues: the norm is √λ_max everywhere (float32 autograd: 1e-4 relative).
        var data = new ElongatedGaussian(kappa: 100, angleDegrees: 30, maxVariance: 4).Sample(5000, seed: 2, ScalarType.Float64);
        using var p = new AffineWhitening(2);
        p.Fit(data);
        var centred = data.Points - data.Points.mean([0]);
        var covariance = centred.T.matmul(centred) / (data.Points.shape[0] - 1);
        double largest = linalg.eigvalsh(covariance)[1].item<double>();
        var norms = InverseJacobian.SpectralNorms(p, randn(50, 2, dtype: ScalarType.Float64));
        Assert.True((norms - Math.Sqrt(largest)).abs().max().item<double>() < 1e-3 * Math.Sqrt(largest),
            $"norms {norms.min().item<double>()}–{norms.max().item<double>()}, √λ_max = {Math.Sqrt(largest)} (1/(n−1) vs 1/n: 1e-4)");
    }

    [Fact]
    public void RealNvpsNormMatchesCentralDifferences()
    {
        using var scope = NewDisposeScope();
        using var p = new RealNvp(2, new RealNvpOptions(Couplings: 4, Hidden: 16, Steps: 50, LogEvery: 10));
        p.Fit(new SwissRoll().Sample(1000, seed: 3), seed: 3);
        var z = randn(20, 2, generator: new Generator(5)).to(ScalarType.Float64);
        var autograd = InverseJacobian.SpectralNorms(p, z).data<double>().ToArray();
        // Central differences in float32 with step 1e-2: truncation O(h²·‖∂³P⁻¹‖) and rounding O(1e-7/h), both ≲ 1e-3 of the
        // norm for this small network; 2% fails for any wrong row or column of the Jacobian.
        const double h = 1e-2;
        for (int i = 0; i < 20; i++)
        {
            var columns = new double[2, 2];
            for (int j = 0; j < 2; j++)
            {
                var step = zeros(1, 2, dtype: ScalarType.Float64);
                step[0, j] = h;
                var point = z.slice(0, i, i + 1, 1);
                using var _ = no_grad();
                var difference = ((p.Inverse(point + step) - p.Inverse(point - step)) / (2 * h)).to(ScalarType.Float64);
                columns[0, j] = difference[0, 0].item<double>();
                columns[1, j] = difference[0, 1].item<double>();
            }
            var jacobian = tensor(new[] { columns[0, 0], columns[0, 1], columns[1, 0], columns[1, 1] }, [2, 2], ScalarType.Float64);
            double expected = linalg.matrix_norm(jacobian, ord: 2).item<double>();
            Assert.Equal(expected, autograd[i], 0.02 * expected);
        }
    }
}
