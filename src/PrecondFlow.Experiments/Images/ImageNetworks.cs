using PrecondFlow.Images;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// The two networks every arm of a latent-image experiment shares: the classifier whose features define the FID and the VAE
/// whose latent space the flows live in, with what their training measured and the cached latents of the images.
/// </summary>
/// <param name="Classifier">The FID classifier, in evaluation mode.</param>
/// <param name="Vae">The VAE, in evaluation mode.</param>
/// <param name="Report">What training the two networks measured.</param>
/// <param name="TrainLatents">(n_train, latent) posterior means of the training images, float32, CPU.</param>
/// <param name="TestLatents">(n_test, latent) posterior means of the held-out images, float32, CPU.</param>
public sealed record ImageNetworks(DigitClassifier Classifier, ConvVae Vae, ImageNetworksReport Report,
    TorchSharp.torch.Tensor TrainLatents, TorchSharp.torch.Tensor TestLatents) : IDisposable
{
    public void Dispose()
    {
        Classifier.Dispose();
        Vae.Dispose();
        TrainLatents.Dispose();
        TestLatents.Dispose();
    }
}

/// <summary>What training the classifier and the VAE measured (read back from the cache when they were reused).</summary>
/// <param name="ClassifierAccuracy">Share of held-out images the classifier labels correctly.</param>
/// <param name="ClassifierSeconds">Seconds its training took (when it was trained, not when it was reused).</param>
/// <param name="ClassifierLoss">Its training loss (cross-entropy).</param>
/// <param name="ClassifierReused">True when it came from the cache.</param>
/// <param name="ReconstructionMse">Mean squared error per pixel of the VAE's reconstructions Decode(mean) of the held-out images.</param>
/// <param name="VaeSeconds">Seconds the VAE's training took.</param>
/// <param name="VaeLoss">Its training loss (MSE + perceptual + KL terms).</param>
/// <param name="VaeReused">True when it came from the cache.</param>
/// <param name="LatentStd">Mean over the latent dimensions of the standard deviation of the training latents.</param>
/// <param name="ClassifierFolder">Where the classifier is cached.</param>
/// <param name="VaeFolder">Where the VAE and the latents are cached.</param>
public sealed record ImageNetworksReport(
    double ClassifierAccuracy,
    double ClassifierSeconds,
    IReadOnlyList<LossPoint> ClassifierLoss,
    bool ClassifierReused,
    double ReconstructionMse,
    double VaeSeconds,
    IReadOnlyList<LossPoint> VaeLoss,
    bool VaeReused,
    double LatentStd,
    string ClassifierFolder,
    string VaeFolder);
