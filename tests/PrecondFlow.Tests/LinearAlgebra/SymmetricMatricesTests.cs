using PrecondFlow.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.LinearAlgebra;

public class SymmetricMatricesTests
{
    // LAPACK's symmetric eigensolver is backward stable: eigenvalues and the matrix functions built from
    // them are accurate to a few ulps of the largest eigenvalue; 1e-12 on O(1)–O(10) entries is ~100 ulps.
    private const double Tolerance = 1e-12;

    [Fact]
    public void EigenvaluesOfTheTwoByTwoExampleAreOneAndThreeAscending()
    {
        // [[2, 1], [1, 2]] has eigenvectors (1, −1)/√2 and (1, 1)/√2 with eigenvalues 1 and 3.
        using var s = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        var values = SymmetricMatrices.Eigenvalues(s).data<double>().ToArray();
        Assert.Equal(1.0, values[0], 12);
        Assert.Equal(3.0, values[1], 12);
        Assert.Equal(3.0, SymmetricMatrices.ConditionNumber(s), 12);
    }

    [Fact]
    public void DecomposeReturnsOrthonormalEigenvectorsThatRebuildTheMatrix()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var s = SymmetricMatrices.WithSpectrum([0.5, 2, 7], generator);
        var (values, vectors) = SymmetricMatrices.Decompose(s);
        Assert.True((vectors.T.mm(vectors) - eye(3, dtype: float64)).abs().max().item<double>() < Tolerance);
        Assert.True(((vectors * values.unsqueeze(0)).mm(vectors.T) - s).abs().max().item<double>() < 10 * Tolerance);
        Assert.Equal([0.5, 2, 7], values.data<double>().ToArray().Select(v => Math.Round(v, 10)));
    }

    [Fact]
    public void SquareRootOfARotatedDiagonalMatrixIsTheRotatedRootOfTheDiagonal()
    {
        // S = R diag(4, 9) Rᵀ for a rotation by 30°: S^½ = R diag(2, 3) Rᵀ and S^(−½) = R diag(1/2, 1/3) Rᵀ.
        using var scope = NewDisposeScope();
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        var r = tensor(new double[,] { { c, -s }, { s, c } });
        Tensor Rotated(double a, double b) => r.mm(diag(tensor(new[] { a, b }))).mm(r.T);
        var matrix = Rotated(4, 9);
        Assert.True((SymmetricMatrices.Sqrt(matrix) - Rotated(2, 3)).abs().max().item<double>() < Tolerance);
        Assert.True((SymmetricMatrices.InverseSqrt(matrix) - Rotated(0.5, 1.0 / 3)).abs().max().item<double>() < Tolerance);
        Assert.True((SymmetricMatrices.Power(matrix, -1) - linalg.inv(matrix)).abs().max().item<double>() < Tolerance);
    }

    [Fact]
    public void InverseSquareRootWhitensItsMatrix()
    {
        // W S W = I is what whitening relies on (Theorem 4.1's M).
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        var s = SymmetricMatrices.WithSpectrum(SymmetricMatrices.GeometricSpectrum(4, 100), generator);
        var w = SymmetricMatrices.InverseSqrt(s);
        // κ = 100 amplifies round-off by √κ on each side: 1e-12 · 100.
        Assert.True((w.mm(s).mm(w) - eye(4, dtype: float64)).abs().max().item<double>() < 100 * Tolerance);
    }

    [Fact]
    public void ANegativePowerOfASingularMatrixIsRejected()
    {
        using var singular = tensor(new double[,] { { 1, 1 }, { 1, 1 } });
        var e = Assert.Throws<ArgumentException>(() => SymmetricMatrices.InverseSqrt(singular));
        Assert.Contains("positive definite", e.Message);
        Assert.Equal(double.PositiveInfinity, SymmetricMatrices.ConditionNumber(singular));
    }

    [Fact]
    public void AGeometricSpectrumHasExactlyTheRequestedConditionNumber()
    {
        var spectrum = SymmetricMatrices.GeometricSpectrum(5, 1e4);
        Assert.Equal(1e-4, spectrum[0], 15);
        Assert.Equal(1.0, spectrum[^1], 15);
        Assert.Equal(1e4, SymmetricMatrices.ConditionNumberOfSpectrum(spectrum), 6);
        // Geometric: equal ratios 10 between neighbours.
        for (var i = 1; i < spectrum.Length; i++)
            Assert.Equal(10.0, spectrum[i] / spectrum[i - 1], 10);
    }

    [Fact]
    public void ARandomRotationIsOrthogonal()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var q = SymmetricMatrices.RandomOrthogonal(6, generator);
        Assert.True((q.T.mm(q) - eye(6, dtype: float64)).abs().max().item<double>() < Tolerance);
    }
}
