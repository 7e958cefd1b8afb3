using PrecondFlow.Distributed;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// A preconditioner fitted by gradient steps that can share them across processes: every process draws the same
/// minibatches, computes its slice of each, and the gradients are averaged (<see cref="DataParallel"/>), so the fitted
/// map is the one a single process would fit, to float32 rounding.
/// </summary>
public interface IDataParallelFit
{
    /// <summary>How the fit shares its steps; null (the default) fits in this process alone.</summary>
    DataParallel? Parallel { get; set; }
}
