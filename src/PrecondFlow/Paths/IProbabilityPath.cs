using static TorchSharp.torch;

namespace PrecondFlow.Paths;

/// <summary>A probability path between a base sample x₀ and a data sample x₁.</summary>
public interface IProbabilityPath
{
    /// <summary>Name used in configurations and on the command line.</summary>
    string Name { get; }

    /// <summary>The point x_t and its conditional velocity for paired (batch, dim) samples and (batch, 1) times.</summary>
    PathSample Sample(Tensor x0, Tensor x1, Tensor t);
}
