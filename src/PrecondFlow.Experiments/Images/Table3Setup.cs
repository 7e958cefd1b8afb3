namespace PrecondFlow.Experiments.Images;

/// <summary>The settings and sizes of a table3 run that its report quotes, as plain data.</summary>
/// <param name="Options">The options the experiment ran with.</param>
/// <param name="TrainImages">Images in the training split (after the limit).</param>
/// <param name="TestImages">Images in the held-out split (after the limit).</param>
/// <param name="Shape">(C, H, W) of the points the flows see: the VAE's latent grid or the image.</param>
/// <param name="HeldOutHalf">Held-out images in half B, the number of samples FID compares with them.</param>
/// <param name="ClassifierAccuracy">Test accuracy of the FID classifier, in [0, 1].</param>
/// <param name="UNetParameters">Trainable parameters of the main flow's UNet (and of the flow preconditioner's).</param>
public sealed record Table3Setup(Table3Options Options, int TrainImages, int TestImages, int[] Shape, long HeldOutHalf,
    double ClassifierAccuracy, long UNetParameters)
{
    /// <summary>The data set's name as printed, e.g. "Fashion-MNIST".</summary>
    public string DatasetTitle => Options.Dataset == "mnist" ? "MNIST" : "Fashion-MNIST";

    /// <summary>"4×8×8" for the latent grid, "1×28×28" for pixels.</summary>
    public string ShapeText => string.Join("×", Shape);
}
