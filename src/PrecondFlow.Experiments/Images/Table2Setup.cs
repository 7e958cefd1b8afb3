namespace PrecondFlow.Experiments.Images;

/// <summary>The settings and sizes of a table2 run that its report quotes, as plain data.</summary>
/// <param name="Options">The options the experiment ran with.</param>
/// <param name="Dataset">"mnist" or "fashion-mnist".</param>
/// <param name="TrainImages">Images in the training split.</param>
/// <param name="TestImages">Images in the held-out split.</param>
/// <param name="LatentDimension">Dimension of the VAE's latent space.</param>
/// <param name="TrainLatents">Training latents the main flow is trained on (its steps per epoch follow from it).</param>
/// <param name="HeldOutHalf">Held-out images in half B, the number of samples FID compares with them.</param>
/// <param name="ClassifierAccuracy">Test accuracy of the FID classifier, in [0, 1].</param>
public sealed record Table2Setup(Table2Options Options, string Dataset, int TrainImages, int TestImages, long LatentDimension,
    long TrainLatents, long HeldOutHalf, double ClassifierAccuracy)
{
    /// <summary>The data set's name as printed, e.g. "Fashion-MNIST".</summary>
    public string DatasetTitle => Dataset == "mnist" ? "MNIST" : "Fashion-MNIST";
}
