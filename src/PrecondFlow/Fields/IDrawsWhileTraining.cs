using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// A field that draws random numbers in training mode (dropout). The trainer hands it a generator for the time it
/// trains, so that the draws depend on the run's seed alone and a resumed run draws what an uninterrupted one would.
/// </summary>
public interface IDrawsWhileTraining
{
    /// <summary>The source of the training-mode draws, on the field's device; null: libtorch's global generator.</summary>
    Generator? TrainingGenerator { get; set; }
}
