namespace PrecondFlow.Experiments.TwoD;

/// <summary>A value measured during training, after <paramref name="Step"/> optimizer steps of the main flow.</summary>
public sealed record CurvePoint(int Step, double Value)
{
    /// <summary>The first point at or after half of the last step, and the last point.</summary>
    /// <param name="curve">Points in step order; at least one.</param>
    public static (CurvePoint Half, CurvePoint End) HalfAndEnd(IReadOnlyList<CurvePoint> curve)
    {
        if (curve.Count == 0)
            throw new ArgumentException("The curve is empty.", nameof(curve));
        var end = curve[^1];
        var half = curve.First(p => p.Step >= end.Step / 2);
        return (half, end);
    }
}
