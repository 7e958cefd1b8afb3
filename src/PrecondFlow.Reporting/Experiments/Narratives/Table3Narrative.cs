using System.Globalization;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Reporting.Narratives;

/// <summary>The report's sentences for <see cref="Table3Experiment"/> (the paper's Table 3 on the data at hand).</summary>
internal static class Table3Narrative
{
    public static Narrative Write(ExperimentResult result, Table3Setup setup) =>
        new(Introduction(setup), Findings(result.Arms, result.NoiseFloor, result.References ?? [], setup), Fairness(setup, result.Seeds));

    private static IReadOnlyList<string> Introduction(Table3Setup setup) =>
    [
        string.Create(CultureInfo.InvariantCulture, $"{setup.DatasetTitle} images ({setup.TrainImages:N0} for training, {setup.TestImages:N0} held out) are ") +
            (setup.Options.InLatent
                ? $"encoded by a VAE into a spatial latent of {setup.ShapeText} (the paper works in the Stable-Diffusion VAE's spatial latent, which cannot be had here). "
                : $"used as pixels ({setup.ShapeText}, scaled to [−1, 1]). ") +
            string.Create(CultureInfo.InvariantCulture, $"Every arm trains the same class-conditional UNet flow ({setup.UNetParameters:N0} parameters) and samples for given ") +
            "labels; the arms differ only in the invertible preconditioner P applied first (the main flow learns N(0, I) → P(x); " +
            "samples are P⁻¹ of its output).",
        "The paper reports FID 19.53 → 14.47 on LSUN Churches, 23.82 → 22.64 on Flowers-102 and 8.41 → 7.75 on AFHQ Cats with its " +
        "UNet flow-matching preconditioner, trained for at most a third of the main flow's epochs. Its \"matching-point operator\" " +
        "is not defined in the paper; here it is the per-channel standardization of P's output (see the README), so that the main " +
        "flow's target has the scale of its N(0, I) base.",
        string.Create(CultureInfo.InvariantCulture,
            $"FID, precision and recall use the features of a classifier trained here (test accuracy {setup.ClassifierAccuracy:P2}), not " +
            $"Inception; the same classifier's accuracy on the conditional samples is the accuracy column. Samples are compared with half " +
            $"of the held-out images ({setup.HeldOutHalf:N0}); the other half against it gives the floor of a perfect generator."),
        setup.Options.Budget switch
        {
            ImageBudget.Quick => "Budget: **quick** — a few hundred images and a few steps per network, to check that everything runs. " +
                "These numbers say nothing about the method.",
            ImageBudget.Default => "Budget: **default** — 10 000 training images and a short training that fits about an hour on a 2-core " +
                "CPU; the paper trains for 150–800 epochs on a GPU (`--paper` scales this up).",
            _ => "Budget: **paper** — a 128-channel UNet for 150 epochs, the preconditioner for a third of them: meant for a GPU.",
        },
    ];

    private static IReadOnlyList<string> Findings(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, IReadOnlyList<double>> floor,
        IReadOnlyList<ReferenceValue> references, Table3Setup setup)
    {
        var fid = Table3Experiment.Fid;
        var none = arms[0];
        var flow = arms.First(a => a.Name == "flow");
        var findings = new List<string>();
        var spread = Narratives.Findings.Spread(none, fid);
        if (spread.Length > 0)
            findings.Add(spread.Trim());
        foreach (var arm in arms.Skip(1))
            findings.Add(Narratives.Findings.Compare(none, arm, fid));
        var (noneFid, flowFid) = (none.Summary(fid.Key), flow.Summary(fid.Key));
        bool holds = flowFid.Mean < noneFid.Mean;
        bool clear = flowFid.Mean + flowFid.Std < noneFid.Mean - noneFid.Std;
        findings.Add(holds
            ? $"The paper's ordering FID(flow preconditioner) < FID(none) holds on {setup.DatasetTitle} ({flowFid} against {noneFid})" +
              (clear ? ", with a gap larger than the spread between seeds." : ", but within the spread between seeds.")
            : $"The paper's ordering FID(flow preconditioner) < FID(none) does NOT hold on {setup.DatasetTitle} ({flowFid} against {noneFid}).");
        foreach (var metric in new[] { Table3Experiment.Precision, Table3Experiment.Recall, Table3Experiment.Accuracy })
            findings.Add($"{Capital(metric.Label)} (higher is better): " +
                string.Join(", ", arms.Select(a => $"{a.Summary(metric.Key)} ({a.Label})")) + ".");
        var best = arms.MinBy(a => a.Summary(fid.Key).Mean)!;
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"The lowest mean FID is that of {best.Label} ({best.Summary(fid.Key)}); the classifier labels {best.Summary(Table3Experiment.Accuracy.Key).Mean:P1} of its conditional samples as the class they were generated for."));
        findings.Add(Narratives.Findings.NoiseFloor(floor, [fid]));
        if (references.FirstOrDefault(r => r.Key == "fid_vae_reconstructions") is { } reconstruction)
            findings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The VAE's own reconstructions of held-out images score FID {reconstruction.Value:G3}: no flow in this latent space can do ") +
                "much better, since its samples are decoded by the same VAE.");
        findings.Add($"κ(Cov P(x)) of the training points: {string.Join(", ", arms.Select(a => $"{a.Summary(Table3Experiment.PushforwardKappa.Key)} ({a.Label})"))}.");
        foreach (var arm in arms.Skip(1))
            findings.Add(Narratives.Findings.Cost(none, arm));
        return findings;
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static IReadOnlyList<string> Fairness(Table3Setup setup, IReadOnlyList<long> seeds)
    {
        var flow = setup.Options.Flow;
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"Every arm uses the same main flow: a UNet of {flow.BaseChannels} base channels (multipliers {string.Join(",", flow.ChannelMultipliers ?? [1, 2])}, ") +
                string.Create(CultureInfo.InvariantCulture, $"{flow.ResBlocks} residual block(s) per level, dropout {flow.Dropout}), {flow.Epochs} epochs in batches of {flow.BatchSize}, AdamW at ") +
                string.Create(CultureInfo.InvariantCulture, $"{flow.LearningRate:G3} with warm-up and cosine decay, EMA {flow.EmaDecay?.ToString(CultureInfo.InvariantCulture) ?? "off"}, ") +
                $"sampled with {flow.Solver} in {flow.SolverSteps} steps. No arm's learning rate was tuned for it.",
            $"The flow preconditioner is the same UNet trained for {flow.PreconditionerFraction:P0} of the main flow's epochs: its training, the " +
            "transform of every training point and its invertibility check are timed and charged to the arm (cost table).",
            $"The seeds {string.Join(", ", seeds)} set the main flow's initial weights, minibatches, times and sampling noise, the same for every " +
            $"arm; the classifier and the VAE are trained once (seed {setup.Options.NetworkSeed}) and shared.",
        ];
    }
}
