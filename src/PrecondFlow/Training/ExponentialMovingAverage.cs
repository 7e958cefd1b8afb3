using PrecondFlow.Fields;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>An exponential moving average of a field's weights, kept in a second field of the same configuration.</summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly VectorField source;

    public ExponentialMovingAverage(VectorField source, double decay)
    {
        this.source = source;
        Decay = decay;
        Average = VectorFields.Create(VectorFields.ConfigOf(source));
        Average.to(source.parameters().First().device);
        CopyFrom(source);
        Average.eval();
    }

    public double Decay { get; }

    /// <summary>The averaged field (use it for sampling).</summary>
    public VectorField Average { get; }

    /// <summary>θ_ema ← d·θ_ema + (1 − d)·θ.</summary>
    public void Update()
    {
        using var _ = no_grad();
        foreach (var (average, current) in Average.parameters().Zip(source.parameters()))
            average.mul_(Decay).add_(current, alpha: 1 - Decay);
    }

    public void CopyFrom(VectorField field)
    {
        using var _ = no_grad();
        foreach (var (average, current) in Average.parameters().Zip(field.parameters()))
            average.copy_(current);
    }

    public void Dispose() => Average.Dispose();
}
