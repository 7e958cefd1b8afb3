using PrecondFlow.Fields;

namespace PrecondFlow.Training;

/// <summary>What a trained generative model is: its network, the probability path and what the network predicts.</summary>
/// <param name="Field">The network's configuration.</param>
/// <param name="Path">Probability path name ("linear", "sine-cosine", "vp").</param>
/// <param name="Objective">Flow matching (velocity) or score matching (noise).</param>
public sealed record ModelSpec(FieldConfig Field, string Path = "linear", Objective Objective = Objective.FlowMatching)
{
    /// <summary>Checks the field configuration and the path name.</summary>
    /// <exception cref="ArgumentException">An invalid <see cref="FieldConfig"/> or an unknown path.</exception>
    public void Validate()
    {
        Field.Validate();
        _ = Paths.AffinePath.FromName(Path);
    }
}
