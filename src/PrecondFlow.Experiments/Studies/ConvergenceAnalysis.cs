namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// Speed-up and plateau tests on error curves (lower is better, see <see cref="StudyMetric.Error"/>), computed on the
/// mean over seeds. Pure functions of the numbers.
/// </summary>
public static class ConvergenceAnalysis
{
    /// <summary>Improvement over the last doubling below which a curve is a plateau: 5%.</summary>
    public const double DefaultPlateauThreshold = 0.05;

    /// <summary>
    /// The first step at which <paramref name="errors"/> falls to <paramref name="target"/> or below. Between two evaluation
    /// points the error is taken linear in log(step), so the step is interpolated geometrically; a curve already at the
    /// target at its first point reaches it at that point.
    /// </summary>
    /// <param name="steps">Evaluation points, increasing.</param>
    /// <param name="errors">The error at each point (NaN points are skipped).</param>
    /// <param name="target">The error to reach, e.g. the baseline's final error.</param>
    /// <param name="baselineSteps">The baseline's total steps, the ratio's denominator.</param>
    public static SpeedUp StepsToReach(IReadOnlyList<int> steps, IReadOnlyList<double> errors, double target, int baselineSteps)
    {
        if (steps.Count != errors.Count)
            throw new ArgumentException($"{steps.Count} steps but {errors.Count} errors: give one error per evaluation point.", nameof(errors));
        if (!double.IsFinite(target))
            return new SpeedUp(null, null);
        int previous = -1;
        for (int i = 0; i < steps.Count; i++)
        {
            if (!double.IsFinite(errors[i]))
                continue;
            if (errors[i] <= target)
            {
                double step = previous < 0 || errors[previous] == errors[i]
                    ? steps[i]
                    : Math.Exp(Math.Log(steps[previous]) + (errors[previous] - target) / (errors[previous] - errors[i]) *
                        (Math.Log(steps[i]) - Math.Log(steps[previous])));
                return new SpeedUp(step, step / baselineSteps);
            }
            previous = i;
        }
        return new SpeedUp(null, null);
    }

    /// <summary>The plateau test over the last doubling: from the last evaluation point at or below half the final step.</summary>
    /// <param name="steps">Evaluation points, increasing, at least two.</param>
    /// <param name="errors">The error at each point.</param>
    /// <param name="threshold">Relative improvement below which the curve is called a plateau.</param>
    public static Plateau PlateauTest(IReadOnlyList<int> steps, IReadOnlyList<double> errors,
        double threshold = DefaultPlateauThreshold)
    {
        if (steps.Count != errors.Count || steps.Count < 2)
            throw new ArgumentException("The plateau test needs at least two evaluation points, with one error each.", nameof(steps));
        int last = steps.Count - 1;
        int from = 0;
        for (int i = 0; i < last; i++)
            if (2L * steps[i] <= steps[last])
                from = i;
        double before = errors[from], after = errors[last];
        double improvement = before == 0 ? 0 : (before - after) / Math.Abs(before);
        return new Plateau(steps[from], steps[last], improvement, threshold);
    }

    /// <summary>Mean over seeds at each evaluation point of the errors of <paramref name="perSeed"/> ([seed][point]).</summary>
    public static double[] MeanError(StudyMetric metric, IReadOnlyList<IReadOnlyList<double>> perSeed)
    {
        int points = perSeed[0].Count;
        return Enumerable.Range(0, points).Select(j => perSeed.Average(seed => metric.Error(seed[j]))).ToArray();
    }
}
