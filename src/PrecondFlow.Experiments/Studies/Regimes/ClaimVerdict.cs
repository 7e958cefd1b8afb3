namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>What the numbers say about a claim.</summary>
public enum ClaimOutcome
{
    /// <summary>Lower mean final error than the arm compared with, and lower in a majority of the paired seeds.</summary>
    Holds,

    /// <summary>The mean and the paired seeds disagree.</summary>
    Mixed,

    /// <summary>Mean final error not lower, and lower in at most half of the paired seeds.</summary>
    DoesNotHold,

    /// <summary>The metric is NaN (e.g. a diverged arm, or a curve metric without a curve).</summary>
    NotMeasured,
}

/// <summary>A claim checked against one study's numbers (pure function of them: <see cref="Check"/>).</summary>
/// <param name="Claim">The claim.</param>
/// <param name="ArmError">Mean over seeds of the arm's final error (<see cref="StudyMetric.Error"/>).</param>
/// <param name="AgainstError">The same for the arm it is compared with.</param>
/// <param name="ArmValue">Mean over seeds of the arm's final metric value (not the error).</param>
/// <param name="AgainstValue">The same for the arm compared with.</param>
/// <param name="Wins">Seeds in which the arm's final error is lower (paired seeds).</param>
/// <param name="Seeds">Seeds compared.</param>
/// <param name="SpeedUp">Steps the arm needs to reach the other arm's final mean error.</param>
/// <param name="Outcome">The verdict.</param>
public sealed record ClaimVerdict(RegimeClaim Claim, double ArmError, double AgainstError, double ArmValue, double AgainstValue,
    int Wins, int Seeds, SpeedUp SpeedUp, ClaimOutcome Outcome)
{
    /// <summary>Checks <paramref name="claim"/> on <paramref name="study"/>'s final evaluation point.</summary>
    /// <exception cref="ArgumentException">The study has no such arm or metric.</exception>
    public static ClaimVerdict Check(RegimeClaim claim, StudyResult study)
    {
        var metric = study.Metrics.FirstOrDefault(m => m.Key == claim.Metric)
            ?? throw new ArgumentException($"The study records no metric '{claim.Metric}'; it has {string.Join(", ", study.Metrics.Select(m => m.Key))}.", nameof(claim));
        var arm = Find(study, claim.Arm);
        var against = Find(study, claim.Against);
        var armFinal = arm.Metrics[metric.Key].Select(s => s[^1]).ToArray();
        var againstFinal = against.Metrics[metric.Key].Select(s => s[^1]).ToArray();
        int seeds = Math.Min(armFinal.Length, againstFinal.Length);
        int wins = Enumerable.Range(0, seeds).Count(i => metric.Error(armFinal[i]) < metric.Error(againstFinal[i]));
        double armError = armFinal.Average(metric.Error), againstError = againstFinal.Average(metric.Error);
        var againstMean = ConvergenceAnalysis.MeanError(metric, against.Metrics[metric.Key]);
        var speedUp = ConvergenceAnalysis.StepsToReach(arm.Steps, ConvergenceAnalysis.MeanError(metric, arm.Metrics[metric.Key]),
            againstMean[^1], against.Steps[^1]);
        ClaimOutcome outcome;
        if (!double.IsFinite(armError) || !double.IsFinite(againstError))
            outcome = ClaimOutcome.NotMeasured;
        else
        {
            bool meanBetter = armError < againstError, seedsBetter = 2 * wins > seeds;
            outcome = meanBetter && seedsBetter ? ClaimOutcome.Holds
                : !meanBetter && !seedsBetter ? ClaimOutcome.DoesNotHold
                : ClaimOutcome.Mixed;
        }
        return new ClaimVerdict(claim, armError, againstError, armFinal.Average(), againstFinal.Average(), wins, seeds, speedUp, outcome);
    }

    private static StudyArm Find(StudyResult study, string name) =>
        study.Arms.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"The study has no arm '{name}'; it has {string.Join(", ", study.Arms.Select(a => a.Name))}.", nameof(name));
}
