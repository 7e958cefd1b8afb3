using PrecondFlow.Data.Images;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Reporting;
using PrecondFlow.Sampling;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Images.Internal;

/// <summary>
/// What an image experiment keeps of each arm's first seed for its figures: a grid of class-conditional samples and κ(Cov x_t)
/// of the main flow's regression over t; and the figures drawn from them, the same in table2 and table3.
/// </summary>
internal sealed record ArmPictures(float[] Grid, int GridCount, ConditioningProfile Kappa)
{
    private static readonly double[] KappaTimes = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();

    /// <summary><paramref name="columns"/> samples of every class, decoded to images, and κ(t) of <paramref name="pushforward"/>.</summary>
    public static ArmPictures Draw(PreconditionedModel model, int classes, int columns, SamplingOptions sampling, long seed,
        Device device, Func<Tensor, Tensor> decode, Tensor pushforward, string path)
    {
        using var scope = NewDisposeScope();
        var labels = arange(classes, dtype: ScalarType.Int64, device: device).repeat_interleave(columns);
        var grid = decode(model.Sample(labels.shape[0], sampling, seed, device, labels).Points).cpu().contiguous();
        return new ArmPictures(grid.data<float>().ToArray(), (int)grid.shape[0],
            ConditioningAnalysis.Exact(pushforward, AffinePath.FromName(path), KappaTimes));
    }

    /// <summary>One sample grid per arm (one row per class), then κ(t) of every arm and the main flow's loss.</summary>
    public static IEnumerable<Figure> Figures(IReadOnlyList<ArmResult> arms, IReadOnlyDictionary<string, ArmPictures> pictures,
        ImageData train, string kappaCaption)
    {
        var classNames = train.ClassNames;
        foreach (var arm in arms)
        {
            var p = pictures[arm.Name];
            yield return new ImageGridFigure($"samples-{arm.Name}.png",
                $"**{arm.Label}**: samples, one row per class (seed {arm.Runs[0].Seed}; the same noise in every arm).",
                p.Grid, p.GridCount, train.Height, train.Width, p.GridCount / classNames.Count, classNames);
        }
        var kappa = arms.Select(a => new Series(a.Label, pictures[a.Name].Kappa.Times, pictures[a.Name].Kappa.Kappa)).ToArray();
        yield return new LineFigure("kappa.png", kappaCaption, "Condition number of Cov(x_t)", "t", "κ(Cov x_t) (log scale)", kappa, LogY: true);
        yield return Plots.LossFigure(arms, "Training loss of the main flow (mean over seeds). Each arm regresses towards a different " +
            "distribution (x or P(x)), so the levels are not comparable between arms.");
    }
}
