using PrecondFlow.Data.Internal;
using static TorchSharp.torch;

namespace PrecondFlow.Data.Toy;

/// <summary>Looks the toy data sets up by the names used in configurations and on the command line.</summary>
public static class ToyDatasets
{
    /// <summary>The names accepted by <see cref="FromName"/> and <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["swiss-roll", "checkerboard", "8gaussians", "moons", "elongated-gaussian", "gaussian-mixture"];

    /// <summary>
    /// The data set called <paramref name="name"/> (case-insensitive), parametrised by
    /// <paramref name="options"/> (defaults when null); "gaussian-mixture" is <see cref="GaussianMixture.Default2D"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones and suggests the closest.</exception>
    public static ToyDataset FromName(string name, ToyDatasetOptions? options = null)
    {
        options ??= new ToyDatasetOptions();
        options.Validate();
        return name.Trim().ToLowerInvariant() switch
        {
            "swiss-roll" => new SwissRoll(options.Noise ?? 0.05),
            "checkerboard" => new Checkerboard(options.Extent),
            "8gaussians" => new EightGaussians(options.Radius, options.Noise ?? 0.2),
            "moons" => new TwoMoons(options.Noise ?? 0.05),
            "elongated-gaussian" => new ElongatedGaussian(options.Kappa, options.AngleDegrees, options.MaxVariance),
            "gaussian-mixture" => GaussianMixture.Default2D(),
            _ => throw new ArgumentException(
                $"Unknown data set '{name}'. Known data sets: {string.Join(", ", Names)}.{NameSuggestion.Hint(name, Names)}",
                nameof(name)),
        };
    }

    /// <summary>
    /// Draws <paramref name="count"/> points of data set <paramref name="name"/> on the CPU with a
    /// generator seeded by <paramref name="seed"/>: (count, 2) points of <paramref name="dtype"/>,
    /// (count) int64 labels for the labelled sets.
    /// </summary>
    public static PointCloud Create(string name, long count, long seed, ToyDatasetOptions? options = null,
        ScalarType dtype = ScalarType.Float32) =>
        FromName(name, options).Sample(count, seed, dtype);
}
