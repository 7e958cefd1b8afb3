using PrecondFlow.Devices;
using PrecondFlow.Fields;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// An exponential moving average of a field's weights, kept in a second field of the same configuration, with the
/// usual warm-up of the decay (TensorFlow's <c>ExponentialMovingAverage(num_updates)</c>, timm's <c>ModelEmaV2</c>):
/// update n (0-based) uses d_n = min(Decay, (1 + n)/(10 + n)).
/// </summary>
/// <remarks>
/// Without the warm-up the average starts at the random initial weights and forgets them only at rate Decay per step:
/// with Decay = 0.999, 61% of the initial weights remain after 500 steps and 5% after 3 000, and that average is what
/// samples. With it, the share of the initial weights after n updates is Π d_k ≤ 9!·n!/(n + 9)!, below 10⁻¹⁸ at n = 500;
/// for n large enough that (1 + n)/(10 + n) ≥ Decay (n ≥ 8 990 at 0.999) the plain decay takes over.
/// </remarks>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly VectorField source;

    /// <param name="source">The trained field (a <see cref="VectorFields"/> kind).</param>
    /// <param name="decay">The decay after warm-up, in (0, 1), e.g. 0.999.</param>
    public ExponentialMovingAverage(VectorField source, double decay)
    {
        if (!(decay > 0 && decay < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The EMA decay is a number in (0, 1), e.g. 0.999.");
        this.source = source;
        Decay = decay;
        Average = VectorFields.Create(VectorFields.ConfigOf(source));   // weights copied next
        Average.to(source.parameters().First().device);
        CopyFrom(source);
        Average.eval();
    }

    /// <summary>The decay after warm-up.</summary>
    public double Decay { get; }

    /// <summary>Updates done so far (restored with a checkpoint, so that a resumed run continues the warm-up).</summary>
    public int Updates { get; internal set; }

    /// <summary>The averaged field (use it for sampling).</summary>
    public VectorField Average { get; }

    /// <summary>The decay of the 0-based update <paramref name="update"/>: min(Decay, (1 + n)/(10 + n)).</summary>
    public double DecayAt(int update) => Math.Min(Decay, (1.0 + update) / (10.0 + update));

    /// <summary>θ_ema ← d·θ_ema + (1 − d)·θ with d = <see cref="DecayAt"/>(<see cref="Updates"/>).</summary>
    public void Update()
    {
        using var scope = NewDisposeScope();   // releases the second handles in-place ops hand back
        using var _ = no_grad();
        using var scalars = new ScalarOperands();   // d changes every update during the warm-up
        double d = DecayAt(Updates);
        var keep = scalars.Of(d);
        var take = scalars.Of(1 - d);
        foreach (var (average, current) in Average.parameters().Zip(source.parameters()))
            average.mul_(keep).add_(current, alpha: take);
        Updates++;
    }

    /// <summary>Sets the average's weights to those of <paramref name="field"/>; <see cref="Updates"/> is unchanged.</summary>
    /// <param name="field">A field of the same configuration as the averaged one.</param>
    public void CopyFrom(VectorField field)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (average, current) in Average.parameters().Zip(field.parameters()))
            average.copy_(current);
    }

    /// <summary>Releases the averaged field.</summary>
    public void Dispose() => Average.Dispose();
}
