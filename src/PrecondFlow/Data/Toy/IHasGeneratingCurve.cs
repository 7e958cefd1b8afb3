namespace PrecondFlow.Data.Toy;

/// <summary>
/// A toy data set drawn as points of a known planar curve plus isotropic Gaussian noise, so that a sample's
/// distance to the curve measures whether it lies on the data's manifold (see Metrics.CurveDistance).
/// </summary>
public interface IHasGeneratingCurve
{
    /// <summary>The noise-free curve, as one or more smooth pieces, in the data set's own units.</summary>
    IReadOnlyList<CurvePiece> GeneratingCurve { get; }

    /// <summary>Standard deviation σ of the isotropic noise added to each coordinate, in the same units.</summary>
    double Noise { get; }
}
