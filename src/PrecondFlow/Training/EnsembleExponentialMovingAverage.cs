using PrecondFlow.Fields;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// The <see cref="ExponentialMovingAverage"/> of every member of an <see cref="EnsembleMlpField"/> at once, kept in a second
/// ensemble: one stacked update per step, θ_ema ← d·θ_ema + (1 − d)·θ with member k's d = min(Decay_k, (1 + n)/(10 + n)),
/// the warm-up of a single model's EMA. A member left out of an update (one that diverged) keeps its average unchanged.
/// </summary>
public sealed class EnsembleExponentialMovingAverage : IDisposable
{
    private readonly EnsembleMlpField source;
    private readonly double[] decays;

    /// <param name="source">The trained members.</param>
    /// <param name="decays">Each member's decay after warm-up, in (0, 1), e.g. 0.999.</param>
    /// <exception cref="ArgumentException">Not one decay per member.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A decay outside (0, 1).</exception>
    public EnsembleExponentialMovingAverage(EnsembleMlpField source, IReadOnlyList<double> decays)
    {
        if (decays.Count != source.Members)
            throw new ArgumentException($"Give one EMA decay per member ({source.Members}); got {decays.Count}.", nameof(decays));
        foreach (var decay in decays)
            if (!(decay > 0 && decay < 1))
                throw new ArgumentOutOfRangeException(nameof(decays), decay, "The EMA decay is a number in (0, 1), e.g. 0.999.");
        this.source = source;
        this.decays = decays.ToArray();
        Average = new EnsembleMlpField(source.Config, source.Members, source.StackedParameters[0].device);
        using (NewDisposeScope())
        using (no_grad())
        {
            foreach (var (average, current) in Average.StackedParameters.Zip(source.StackedParameters))
                average.copy_(current);
        }
        Average.eval();
    }

    /// <summary>Each member's decay after warm-up.</summary>
    public IReadOnlyList<double> Decays => decays;

    /// <summary>Updates done so far (the same count for every member that still trains).</summary>
    public int Updates { get; private set; }

    /// <summary>The averaged members (member k's average at index k; sample with <see cref="EnsembleMlpField.Member"/>).</summary>
    public EnsembleMlpField Average { get; }

    /// <summary>Averages the current weights in, for the members in <paramref name="updating"/> only.</summary>
    /// <param name="updating">(K) bool on the weights' device: the members whose average moves.</param>
    public void Update(Tensor updating)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var parameters = Average.StackedParameters;
        var dtype = parameters[0].dtype;
        var device = parameters[0].device;
        // Member k's d in float64 on the host, as ExponentialMovingAverage computes it, then rounded to the weights' dtype.
        var d = tensor(decays.Select(decay => Math.Min(decay, (1.0 + Updates) / (10.0 + Updates))).ToArray(), dtype: ScalarType.Float64);
        var keep = d.to(dtype, device);
        var take = (1 - d).to(dtype, device);
        foreach (var (average, current) in parameters.Zip(source.StackedParameters))
        {
            var shape = Enumerable.Repeat(1L, (int)average.dim()).ToArray();
            shape[0] = source.Members;
            var updated = average.mul(keep.reshape(shape)).add_(current * take.reshape(shape));
            average.copy_(where(updating.reshape(shape), updated, average));
        }
        Updates++;
    }

    /// <summary>Releases the averaged members.</summary>
    public void Dispose() => Average.Dispose();
}
