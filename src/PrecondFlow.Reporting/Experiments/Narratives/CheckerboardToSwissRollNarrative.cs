using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Metrics;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The report's sentences for <see cref="CheckerboardToSwissRollExperiment"/> (the paper's Fig. 11).</summary>
internal static class CheckerboardToSwissRollNarrative
{
    public static Narrative Write(ExperimentResult result, CheckerboardToSwissRollOptions options) =>
        new(Introduction(), Findings(result.Arms, result.NoiseFloor), Fairness(options, result.Seeds));

    private static IReadOnlyList<string> Introduction() =>
    [
        "Here the flow does not start from Gaussian noise: it transports one data set, a checkerboard (8 uniform squares), to another, " +
        "the Swiss roll (a thin spiral). The main flow is trained by flow matching with the independent coupling — each minibatch pairs " +
        "random source points with random target points — on the path x_t = (1 − t)·x_source + t·x_target, and a source point is " +
        "transported by integrating the learned field from t = 0 to 1.",
        "A preconditioned arm first maps each data set with its own invertible preconditioner, trains the same main flow between the " +
        "two mapped sets, and maps the transported points back with the target's inverse. MMD² between transported held-out source " +
        "points and held-out Swiss-roll points is measured during training on a fixed subsample.",
        "The paper reports that without preconditioning the MMD plateaus early, while the preconditioned flow keeps improving to a " +
        "clearly lower final MMD, with smoother flow lines.",
    ];

    private static IReadOnlyList<string> Findings(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, IReadOnlyList<double>> floor)
    {
        var mmd = CheckerboardToSwissRollExperiment.Mmd;
        var sw2 = CheckerboardToSwissRollExperiment.SlicedWasserstein2;
        var offData = CheckerboardToSwissRollExperiment.OffData;
        var none = arms[0];
        var findings = new List<string>();
        var baselineSpread = Narratives.Findings.Spread(none, sw2);
        if (baselineSpread.Length > 0)
            findings.Add(baselineSpread.Trim());
        foreach (var arm in arms.Skip(1))
        {
            findings.Add(Narratives.Findings.Compare(none, arm, mmd));
            findings.Add(Narratives.Findings.Compare(none, arm, sw2));
            findings.Add(Narratives.Findings.Compare(none, arm, offData));
        }
        findings.Add(Narratives.Findings.NoiseFloor(floor, [mmd, sw2, offData]));
        findings.Add(Narratives.Findings.AtNoiseFloor(arms, floor, [mmd, sw2, offData]));
        findings.Add("Over the second half of training (MMD² on the fixed evaluation subsample, mean over seeds), " +
            string.Join("; ", arms.Select(a => Narratives.Findings.SecondHalf(a, mmd.Key, "MMD²"))) + ".");
        foreach (var arm in arms.Skip(1))
            findings.Add(Narratives.Findings.Cost(none, arm));
        return findings;
    }

    private static IReadOnlyList<string> Fairness(CheckerboardToSwissRollOptions options, IReadOnlyList<long> seeds) =>
    [
        $"Every arm uses the same main flow: {MainFlowDescription.Of(options.MainFlow)}.",
        $"Every arm uses the seeds {string.Join(", ", seeds)}; for a given seed all arms see the same source and target data, the " +
        "same initial main-flow weights, and the same minibatch indices and times.",
        "Both preconditioners' training is charged to the arm (fitting P_s and P_t, and transforming both training sets). Measuring " +
        "the MMD during training is excluded from the main flow's time and reported as evaluation time.",
        $"The MMD curve uses a fixed subsample of {options.EvaluationCount} held-out points, every {options.EvaluateEvery} steps; the " +
        $"final metrics use all {options.TestCount} held-out points (MMD on a random subsample of at most " +
        $"{MaximumMeanDiscrepancy.DefaultMaxSamples}).",
    ];
}
