using PrecondFlow.Paths;
using static TorchSharp.torch;

namespace PrecondFlow.Diagnostics;

/// <summary>
/// A training callback that tracks κ(Cov x_t) at a few times on the current batch, every
/// <see cref="Every"/> steps. Each measurement is one <see cref="ConditioningAnalysis.Sampled(Tensor, IProbabilityPath, long, IReadOnlyList{double}?, Tensor?)"/>
/// call: a noise draw, a d×d covariance and an eigvalsh per time, so its cost is O(batch·d² + d³) per
/// time and negligible next to a training step for moderate d.
/// </summary>
public sealed class ConditioningMonitor
{
    private readonly List<ConditioningSnapshot> history = new();
    private readonly IProbabilityPath path;
    private readonly long seed;

    /// <summary>The default times: 0, ¼, ½, ¾, 1.</summary>
    public static IReadOnlyList<double> DefaultTimes { get; } = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 };

    /// <param name="path">The path the flow is trained on.</param>
    /// <param name="every">Measure every this many steps (steps 0, every, 2·every, ...).</param>
    /// <param name="times">Times to measure at; <see cref="DefaultTimes"/> when null.</param>
    /// <param name="seed">Base seed; step k uses seed + k, so a measurement is reproducible on its own.</param>
    public ConditioningMonitor(IProbabilityPath path, int every = 100, IReadOnlyList<double>? times = null, long seed = 0)
    {
        if (every < 1)
            throw new ArgumentOutOfRangeException(nameof(every), every, "Measure at least every step (every ≥ 1).");
        this.path = path;
        this.seed = seed;
        Every = every;
        Times = (times ?? DefaultTimes).ToArray();
    }

    /// <summary>The measuring interval in steps.</summary>
    public int Every { get; }

    /// <summary>The times measured.</summary>
    public IReadOnlyList<double> Times { get; }

    /// <summary>Every measurement so far, in step order.</summary>
    public IReadOnlyList<ConditioningSnapshot> History => history;

    /// <summary>Whether <see cref="Observe"/> measures at this step.</summary>
    public bool IsDue(long step) => step % Every == 0;

    /// <summary>
    /// Measures κ(t) on <paramref name="x1"/> when the step is due (and records it); returns null otherwise.
    /// </summary>
    /// <param name="step">The training step.</param>
    /// <param name="x1">(batch, d) data points of the current batch (preconditioned when training uses a preconditioner).</param>
    /// <param name="labels">(batch) int64 labels, or null.</param>
    public ConditioningSnapshot? Observe(long step, Tensor x1, Tensor? labels = null)
    {
        if (!IsDue(step))
            return null;
        var snapshot = Measure(step, x1, labels);
        history.Add(snapshot);
        return snapshot;
    }

    /// <summary>Measures κ(t) on a batch now, without recording it.</summary>
    public ConditioningSnapshot Measure(long step, Tensor x1, Tensor? labels = null)
    {
        using var noGrad = no_grad();
        var profile = ConditioningAnalysis.Sampled(x1, path, seed + step, Times, labels);
        return new ConditioningSnapshot(step, profile.Times, profile.Kappa, profile.WorstClassKappa());
    }
}
