namespace PrecondFlow.Experiments.Images;

/// <summary>How much compute a latent-image reproduction spends.</summary>
public enum ImageBudget
{
    /// <summary>A few hundred images and a few dozen steps per network: checks that everything runs; its numbers say nothing.</summary>
    Quick,

    /// <summary>Finishes in about an hour for both data sets on a 2-core CPU: full data, shortened training.</summary>
    Default,

    /// <summary>The paper's budget (1000 epochs of the main flow, 300 of the flow preconditioner): meant for a GPU.</summary>
    Paper,
}
