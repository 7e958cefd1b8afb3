namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// The numbers a study's report is built on, computed from a <see cref="StudyResult"/> with
/// <see cref="ConvergenceAnalysis"/> on the mean error over seeds: the speed-up of every arm over the baseline and the
/// plateau test of every arm, for the key metrics.
/// </summary>
public static class StudyAnalysis
{
    /// <summary>The key metrics: those the speed-up and plateau tables report.</summary>
    public static IReadOnlyList<StudyMetric> KeyMetrics(StudyResult result) => result.Metrics.Where(m => m.InSummary).ToArray();

    /// <summary>Per arm other than the baseline and per key metric, the steps to reach the baseline's final mean error.</summary>
    public static IReadOnlyList<(string Arm, string Metric, SpeedUp SpeedUp)> SpeedUps(StudyResult result)
    {
        var baseline = result.Baseline;
        var rows = new List<(string, string, SpeedUp)>();
        foreach (var metric in KeyMetrics(result))
        {
            double target = ConvergenceAnalysis.MeanError(metric, baseline.Metrics[metric.Key])[^1];
            foreach (var arm in result.Arms.Where(a => a != baseline))
                rows.Add((arm.Name, metric.Key, ConvergenceAnalysis.StepsToReach(arm.Steps,
                    ConvergenceAnalysis.MeanError(metric, arm.Metrics[metric.Key]), target, baseline.Steps[^1])));
        }
        return rows;
    }

    /// <summary>Per arm and key metric, the plateau test over the last doubling of steps (mean error over seeds).</summary>
    public static IReadOnlyList<(string Arm, string Metric, Plateau Plateau)> Plateaus(StudyResult result) =>
        (from metric in KeyMetrics(result)
         from arm in result.Arms
         where arm.Steps.Count >= 2
         select (arm.Name, metric.Key, ConvergenceAnalysis.PlateauTest(arm.Steps, ConvergenceAnalysis.MeanError(metric, arm.Metrics[metric.Key]))))
        .ToArray();
}
