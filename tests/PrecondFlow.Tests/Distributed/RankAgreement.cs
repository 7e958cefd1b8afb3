using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Distributed;

/// <summary>
/// Checks that the ranks of a data-parallel run trained the network of one process: the same loss trace within a relative
/// tolerance, weights within a mean tolerance, and no weight further off than two optimizer steps: a weight whose gradient
/// is at rounding level takes AdamW's normalised step, of size up to the learning rate, in a direction set by rounding,
/// so the two runs can step it by up to the learning rate each in opposite directions (measured: up to 1.2 steps for
/// the 3-rank VAE, in one CI run of many; the mean tolerance is what catches a wrong reduction).
/// </summary>
internal static class RankAgreement
{
    public static void Assert(ITestOutputHelper output, double[] expectedLosses, IEnumerable<Tensor> expectedWeights,
        (double[] Losses, IEnumerable<Tensor> Weights)[] ranks, double learningRate, double relativeLossTolerance, double meanWeightTolerance)
    {
        var reference = expectedWeights.ToArray();
        double worstLoss = 0, worstMean = 0, worstWeight = 0;
        foreach (var (losses, weights) in ranks)
        {
            Xunit.Assert.Equal(expectedLosses.Length, losses.Length);
            worstLoss = Math.Max(worstLoss, expectedLosses.Zip(losses, (e, a) => Math.Abs(a - e) / Math.Abs(e)).Max());
            using (NewDisposeScope())
            {
                var differences = cat(reference.Zip(weights, (e, a) => (a - e).abs().reshape(-1)).ToArray());
                worstMean = Math.Max(worstMean, differences.mean().item<float>());
                worstWeight = Math.Max(worstWeight, differences.max().item<float>());
            }
        }
        output.WriteLine($"{ranks.Length} ranks: largest relative loss difference {worstLoss:G3}; weight differences: mean {worstMean:G3}, largest {worstWeight:G3} = {worstWeight / learningRate:G2} lr");
        Xunit.Assert.True(worstLoss < relativeLossTolerance, $"relative loss difference {worstLoss:G3}");
        Xunit.Assert.True(worstMean < meanWeightTolerance, $"mean weight difference {worstMean:G3}");
        Xunit.Assert.True(worstWeight < 2 * learningRate,
            $"largest weight difference {worstWeight:G3}, more than two steps (2 × {learningRate})");
    }
}
