using PrecondFlow.Distributed;
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

    /// <summary>
    /// Where this process's rows lie in the global minibatch of a data-parallel run: every draw is then made for the
    /// whole minibatch and sliced, so that each process drops what one process training on the whole batch would, and
    /// all processes' generators advance alike. Null: the forward pass sees the whole minibatch.
    /// </summary>
    RowSlice? TrainingRows { get; set; }
}
