using PrecondFlow.Data;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Internal;

/// <summary>The train / validation / test split of one seed: a permutation drawn from the seed alone, so every arm of a
/// seed sees the same split. The tensors belong to the caller's dispose scope.</summary>
internal sealed record DataSplit(PointCloud Train, PointCloud Validation, PointCloud Test)
{
    public static DataSplit Of(PointCloud data, double validationFraction, double testFraction, long seed)
    {
        using var generator = new Generator(unchecked((ulong)(seed + 1_000_003)));
        var order = randperm(data.Count, generator: generator);
        long validation = Math.Max(2, (long)Math.Round(data.Count * validationFraction));
        long test = Math.Max(2, (long)Math.Round(data.Count * testFraction));
        PointCloud Part(long start, long end)
        {
            var index = order.slice(0, start, end, 1);
            return data with { Points = data.Points.index_select(0, index), Labels = data.Labels?.index_select(0, index) };
        }
        return new DataSplit(Part(validation + test, data.Count), Part(0, validation), Part(validation, validation + test));
    }
}
