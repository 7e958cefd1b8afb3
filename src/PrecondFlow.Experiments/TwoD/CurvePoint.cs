namespace PrecondFlow.Experiments.TwoD;

/// <summary>A value measured during training, after <paramref name="Step"/> optimizer steps of the main flow.</summary>
public sealed record CurvePoint(int Step, double Value);
