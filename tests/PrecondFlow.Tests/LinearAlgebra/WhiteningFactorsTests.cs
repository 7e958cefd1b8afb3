using PrecondFlow.LinearAlgebra;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.LinearAlgebra;

public class WhiteningFactorsTests
{
    [Fact]
    public void FactorsOfADiagonalCovarianceAreTheReciprocalRootsAndTheirLogDet()
    {
        // Σ = diag(4, 0.25): Σ^(−½) = diag(1/2, 2), Σ^½ = diag(2, 1/2), log|det Σ^(−½)| = −½ log(4 · 0.25) = 0.
        using var scope = NewDisposeScope();
        var sigma = diag(tensor(new[] { 4.0, 0.25 }));
        var factors = WhiteningFactors.TryCompute(sigma, out var min, out var max)!;
        Assert.NotNull(factors);
        Assert.Equal((0.25, 4.0), (min, max));
        // Powers of exactly representable eigenvalues by eigh of a diagonal matrix: exact up to a few ulps.
        Assert.True((factors.Whitener - diag(tensor(new[] { 0.5, 2.0 }))).abs().max().item<double>() < 1e-14);
        Assert.True((factors.Colorer - diag(tensor(new[] { 2.0, 0.5 }))).abs().max().item<double>() < 1e-14);
        Assert.Equal(0.0, factors.LogAbsDet, 14);
    }

    [Fact]
    public void TheWhitenerAndTheColorerAreInversesAndTheLogDetIsMinusHalfLogDetSigma()
    {
        using var scope = NewDisposeScope();
        var sigma = tensor(new double[,] { { 2, 1 }, { 1, 2 } });   // det 3
        var factors = WhiteningFactors.TryCompute(sigma, out _, out _)!;
        Assert.True((factors.Whitener.mm(factors.Colorer) - eye(2, dtype: float64)).abs().max().item<double>() < 1e-13);
        Assert.Equal(-0.5 * Math.Log(3), factors.LogAbsDet, 13);
    }

    [Fact]
    public void ACovarianceWhoseEigenvaluesSpanMoreThanTheSingularRatioHasNoFactors()
    {
        using var scope = NewDisposeScope();
        var sigma = diag(tensor(new[] { 1.0, WhiteningFactors.SingularRatio / 2 }));
        Assert.Null(WhiteningFactors.TryCompute(sigma, out var min, out var max));
        Assert.Equal(WhiteningFactors.SingularRatio / 2, min);
        Assert.Equal(1.0, max);
        var nearlySingular = diag(tensor(new[] { 1.0, WhiteningFactors.SingularRatio * 2 }));
        Assert.NotNull(WhiteningFactors.TryCompute(nearlySingular, out _, out _));
    }
}
