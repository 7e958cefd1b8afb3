using PrecondFlow.Data;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// A preconditioner that is fitted to data through one common entry point, so that a pipeline can fit any member the
/// same way. Each kind also keeps its own, more specific method (e.g. <see cref="AffineWhitening.Fit(PointCloud)"/>,
/// <see cref="RealNvp.Train"/>).
/// </summary>
public interface IFittablePreconditioner : IPreconditioner
{
    /// <summary>Whether the map has been fitted (or loaded from a fitted save).</summary>
    bool IsFitted { get; }

    /// <summary>Fits the map to <paramref name="data"/>, replacing any earlier fit.</summary>
    /// <param name="data">(n, Dim) points, with labels for a conditional map.</param>
    /// <param name="seed">Seed of every random choice made while fitting; closed-form fits ignore it.</param>
    /// <param name="progress">Receives the loss whenever it is read back (iterative fits only).</param>
    PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null);
}
