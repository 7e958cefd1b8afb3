namespace PrecondFlow.Interop;

/// <summary>Which map of a model folder <see cref="OnnxExport"/> writes as an ONNX graph.</summary>
public enum OnnxGraphKind
{
    /// <summary>The main flow's network v(x, t[, labels]): inputs <c>x</c>, <c>t</c>[, <c>labels</c>], output <c>output</c>.</summary>
    Field,

    /// <summary>P: input <c>x</c>[, <c>labels</c>], outputs <c>z</c> = P(x) and <c>log_det</c> = log|det ∂z/∂x|.</summary>
    Preconditioner,

    /// <summary>P⁻¹: input <c>z</c>[, <c>labels</c>], output <c>x</c> = P⁻¹(z).</summary>
    InversePreconditioner,
}
