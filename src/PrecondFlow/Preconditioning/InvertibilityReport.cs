namespace PrecondFlow.Preconditioning;

/// <summary>Result of <see cref="InvertibilityCheck.Run(IPreconditioner, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, double?)"/>.</summary>
/// <param name="MaxRelativeError">Largest per-point error ‖P⁻¹(P(xᵢ)) − xᵢ‖ / r, with r the sample's root-mean-square
/// norm; NaN when the round trip produced a non-finite value.</param>
/// <param name="MeanRelativeError">Mean of the same per-point errors.</param>
/// <param name="Threshold">Largest <paramref name="MaxRelativeError"/> accepted.</param>
/// <param name="Samples">Number of points checked.</param>
/// <param name="DType">The dtype the round trip ran in, e.g. "Float32".</param>
public sealed record InvertibilityReport(
    double MaxRelativeError, double MeanRelativeError, double Threshold, long Samples, string DType)
{
    /// <summary>True when the largest error is finite and at most <see cref="Threshold"/>.</summary>
    public bool Passed => MaxRelativeError <= Threshold;
}
