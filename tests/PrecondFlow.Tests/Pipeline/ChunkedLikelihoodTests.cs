using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Solvers;
using PrecondFlow.Tests.Distributed;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>
/// The likelihood of many points, a chunk at a time: one chunk is the model's own likelihood, smaller chunks agree with
/// it within the solver's tolerance, and processes sharing the chunks give the numbers of one process.
/// </summary>
public class ChunkedLikelihoodTests
{
    private static Tensor Points(long n, int dim, long seed)
    {
        using var g = new Generator((ulong)seed);
        return randn(new[] { n, (long)dim }, dtype: float32, generator: g) * 2 + 1;
    }

    /// <summary>Whitening and an untrained MLP main flow: any fixed smooth field will do.</summary>
    private static PreconditionedModel Model(int dim)
    {
        var whitening = new AffineWhitening(dim);
        whitening.Fit(new PointCloud(Points(500, dim, 1)));
        manual_seed(3);
        var config = new FieldConfig(Dim: dim, Hidden: new[] { 16 });
        return PreconditionedModel.Compose(whitening, new MlpVectorField(config), new ModelSpec(config));
    }

    private static readonly LogDensityOptions Hutchinson = new(Method: DivergenceMethod.Hutchinson, Probes: 4, Seed: 11);

    private static IOdeSolver Dopri5() => new DormandPrinceSolver(new AdaptiveOptions(1e-4, 1e-4));

    [Fact]
    public void OneChunkHoldingEveryPointIsTheModelsLikelihoodBitForBit()
    {
        using var model = Model(3);
        var x = Points(50, 3, 2);
        var whole = model.LogLikelihood(x, solver: Dopri5(), options: Hutchinson);
        var chunked = ChunkedLikelihood.Compute(model, x, null, Dopri5(), Hutchinson, chunkSize: 50);
        Assert.True(whole.LogDensity.Equals(chunked.LogDensity));
        Assert.True(whole.StandardError!.Equals(chunked.StandardError!));
        Assert.Equal(whole.Exact, chunked.Exact);
    }

    [Fact]
    public void WithAFixedStepSolverChunksChangeNothing()
    {
        // Every row's path then takes the same steps whatever else is in its batch; an adaptive solver (dopri5) chooses
        // its steps from the whole chunk's error, so there the chunk size moves the numbers within the solver's tolerance.
        using var model = Model(2);
        var x = Points(50, 2, 4);
        var exact = new LogDensityOptions(Method: DivergenceMethod.Exact);
        var whole = model.LogLikelihood(x, solver: new Rk4Solver(16), options: exact);
        var chunked = ChunkedLikelihood.Compute(model, x, null, new Rk4Solver(16), exact, chunkSize: 7);
        Assert.True(chunked.Exact);
        Assert.Null(chunked.StandardError);
        Assert.True(whole.LogDensity.Equals(chunked.LogDensity), $"largest difference {(whole.LogDensity - chunked.LogDensity).abs().max().item<float>():E2}");
        Assert.True(whole.LogDensity.std().item<float>() > 0.1, "log p must vary over the points for the comparison to mean something");
    }

    [Theory]
    [InlineData(7)]     // 8 chunks: 4 each
    [InlineData(20)]    // 3 chunks: 1 and 2
    [InlineData(100)]   // 1 chunk: rank 1 has none
    public void TwoProcessesSharingTheChunksGiveTheNumbersOfOneProcess(int chunkSize)
    {
        var x = Points(50, 3, 6);
        Tensor expected, expectedError;
        using (var model = Model(3))
        {
            var single = ChunkedLikelihood.Compute(model, x, null, Dopri5(), Hutchinson, chunkSize);
            (expected, expectedError) = (single.LogDensity, single.StandardError!);
        }
        var models = new[] { Model(3), Model(3) };
        try
        {
            var results = ThreadRanks.Run(2, communicator =>
                ChunkedLikelihood.Compute(models[communicator.Rank], x, null, Dopri5(), Hutchinson, chunkSize, communicator));
            foreach (var result in results)
            {
                // Every chunk is computed by the same operations on the same rows as in one process: equal bit for bit.
                Assert.True(expected.Equals(result.LogDensity), $"largest difference {(expected - result.LogDensity).abs().max().item<float>():E2}");
                Assert.True(expectedError.Equals(result.StandardError!));
            }
        }
        finally
        {
            foreach (var model in models)
                model.Dispose();
        }
    }

    [Fact]
    public void ChunksDrawDifferentProbesSoTheirErrorsDoNotRepeat()
    {
        // Chunk c uses seed + c: the 2nd chunk's rows must not see the 1st chunk's probes. With a shared seed, rows i and
        // 10 + i of two identical chunks would get identical estimates.
        using var model = Model(3);
        var half = Points(10, 3, 8);
        var x = cat([half, half], 0);
        var result = ChunkedLikelihood.Compute(model, x, null, new Rk4Solver(8), Hutchinson, chunkSize: 10);
        var first = result.LogDensity.narrow(0, 0, 10);
        var second = result.LogDensity.narrow(0, 10, 10);
        Assert.False(first.Equals(second));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkedLikelihood.Compute(model, x, null, new Rk4Solver(8), Hutchinson, chunkSize: 0));
    }
}
