using System.Globalization;

namespace PrecondFlow.Experiments.TwoD;

/// <summary>A number measured once per seed, summarised as mean ± sample standard deviation (n − 1 in the denominator).</summary>
/// <param name="Mean">Mean over the seeds.</param>
/// <param name="Std">Sample standard deviation over the seeds (0 for a single value).</param>
/// <param name="Count">Number of seeds.</param>
public sealed record MeanStd(double Mean, double Std, int Count)
{
    /// <summary>The summary of <paramref name="values"/> (at least one).</summary>
    public static MeanStd Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("A mean ± standard deviation needs at least one value.", nameof(values));
        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new MeanStd(mean, std, values.Count);
    }

    /// <summary>"mean ± std" with three significant digits for the mean and two for the spread.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Mean:G3} ± {Std:G2}");
}
