using static TorchSharp.torch;

namespace PrecondFlow.Metrics;

/// <summary>
/// A network (or any fixed map) whose activations a Fréchet distance compares: the Inception network
/// for FID, or, in this project, a classifier trained on the data set (SPEC §7).
/// </summary>
public interface IFeatureExtractor
{
    /// <summary>Features of a batch of inputs; called under <c>torch.no_grad()</c>, in batches.</summary>
    /// <param name="x">(n, ...) inputs in the layout the extractor expects.</param>
    /// <returns>(n, k) features.</returns>
    Tensor Features(Tensor x);
}
