namespace PrecondFlow.Experiments.TwoD;

/// <summary>
/// Everything a reproduced experiment measured, as plain data: numbers, settings, figures and the descriptors of its arms and
/// metrics. The sentences of its report (introduction, result paragraph, fairness rules) are written from it by the
/// reporting assembly.
/// </summary>
/// <param name="Id">The experiment's name on the command line, e.g. "table1".</param>
/// <param name="Title">The report's title.</param>
/// <param name="BaselineArm">The arm without preconditioning that the others are compared with.</param>
/// <param name="Metrics">The table's columns.</param>
/// <param name="Arms">Each arm's runs, one per seed.</param>
/// <param name="Figures">The figures, in reading order.</param>
/// <param name="Options">The experiment's typed settings as run, which its report quotes: the options record of a 2D
/// experiment, e.g. <see cref="Images.Table2Setup"/> for table2.</param>
/// <param name="Configuration">Every setting of the run (written to results.json).</param>
/// <param name="Seeds">The seeds, the same for every arm.</param>
/// <param name="WallSeconds">Wall-clock seconds of the whole experiment, evaluation included.</param>
/// <param name="NoiseFloor">Per metric, the value that two independent samples of the true distribution of the same
/// sizes get, per seed: what a perfect model would score. Only for the metrics where it is defined.</param>
/// <param name="References">Numbers that frame the table but belong to no arm (e.g. the accuracy of a feature network, or
/// the score of an autoencoder's reconstructions); none when null.</param>
public sealed record ExperimentResult(
    string Id,
    string Title,
    string BaselineArm,
    IReadOnlyList<MetricInfo> Metrics,
    IReadOnlyList<ArmResult> Arms,
    IReadOnlyList<Figure> Figures,
    object Options,
    object Configuration,
    IReadOnlyList<long> Seeds,
    double WallSeconds,
    IReadOnlyDictionary<string, IReadOnlyList<double>> NoiseFloor,
    IReadOnlyList<ReferenceValue>? References = null)
{
    /// <summary>The arm called <paramref name="name"/>.</summary>
    public ArmResult Arm(string name) => Arms.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"Experiment {Id} has no arm '{name}'; its arms are {string.Join(", ", Arms.Select(a => a.Name))}.", nameof(name));
}
