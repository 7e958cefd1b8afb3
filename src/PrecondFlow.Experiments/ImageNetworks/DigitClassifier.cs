using PrecondFlow.Devices;
using PrecondFlow.Fields;
using PrecondFlow.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Images;

/// <summary>
/// A small convolutional classifier of 28×28 grayscale images (MNIST, Fashion-MNIST):
/// conv 3×3 1→C, ReLU, conv C→C, ReLU, max-pool (14×14), conv C→2C, ReLU, conv 2C→2C, ReLU, max-pool (7×7),
/// flatten, Linear 2C·49→F, ReLU, dropout, Linear F→classes. Its F penultimate activations are the features
/// a Fréchet distance compares (the paper's FID uses its own MNIST classifier, SPEC §7).
/// </summary>
public sealed class DigitClassifier : nn.Module<Tensor, Tensor>, IFeatureExtractor
{
    /// <summary>The network's convolutions, checked against oneDNN's forward kernels (see <see cref="OneDnnForwardCheck"/>).</summary>
    private Convolution[] Convolutions { get; }

    /// <summary>Image side length the network expects.</summary>
    public const int ImageSize = 28;

    private readonly Sequential trunk;
    private readonly Linear head;

    /// <param name="options">The shape (<see cref="ClassifierOptions.Channels"/>, <see cref="ClassifierOptions.Features"/>,
    /// <see cref="ClassifierOptions.Classes"/>, <see cref="ClassifierOptions.Dropout"/>); the defaults when null.</param>
    public DigitClassifier(ClassifierOptions? options = null) : base(nameof(DigitClassifier))
    {
        Options = (options ?? new ClassifierOptions()).Validate();
        int channels = Options.Channels;
        trunk = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding: 1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(channels, 2 * channels, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(2 * channels, 2 * channels, 3, padding: 1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * channels * 7 * 7, Options.Features), nn.ReLU());
        head = nn.Linear(Options.Features, Options.Classes);
        RegisterComponents();
        Convolutions = modules().OfType<Convolution>().ToArray();
    }

    /// <summary>The options the network was built with (only its shape fields matter here).</summary>
    public ClassifierOptions Options { get; }
    public int Classes => Options.Classes;
    public int FeatureCount => Options.Features;

    /// <summary>Class logits, without dropout (dropout acts only in <see cref="TrainingLogits"/>).</summary>
    /// <param name="images">(n, 1, 28, 28) images in [0, 1].</param>
    /// <returns>(n, classes) logits.</returns>
    public override Tensor forward(Tensor images)
    {
        ImageChecks.CheckImages(images, nameof(images));
        using var native = OneDnnForwardCheck.NativeWhereNeeded(Convolutions, images);
        using var scope = NewDisposeScope();
        return head.call(trunk.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Class logits with dropout of the penultimate activations, its mask drawn from <paramref name="generator"/>.</summary>
    /// <param name="images">(n, 1, 28, 28) images in [0, 1].</param>
    /// <param name="generator">Source of the dropout mask.</param>
    /// <param name="rows">Where the images lie in a data-parallel minibatch (the mask is drawn for the whole minibatch
    /// and sliced, see <see cref="SeededDropout"/>); null when they are the whole batch.</param>
    /// <returns>(n, classes) logits.</returns>
    public Tensor TrainingLogits(Tensor images, Generator generator, Distributed.RowSlice? rows = null)
    {
        ImageChecks.CheckImages(images, nameof(images));
        using var native = OneDnnForwardCheck.NativeWhereNeeded(Convolutions, images);
        using var scope = NewDisposeScope();
        var features = trunk.call(images);
        var dropped = rows is { } slice
            ? SeededDropout.Apply(features, Options.Dropout, generator, slice)
            : SeededDropout.Apply(features, Options.Dropout, generator);
        return head.call(dropped).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The penultimate activations, computed in evaluation mode (no dropout) whatever mode the module is in.
    /// Gradients flow to the images when the caller records them (the VAE's perceptual loss uses this).
    /// </summary>
    /// <param name="images">(n, 1, 28, 28) images in [0, 1].</param>
    /// <returns>(n, F) features.</returns>
    public Tensor Features(Tensor images)
    {
        ImageChecks.CheckImages(images, nameof(images));
        // The trunk holds no dropout or normalisation, so its output does not depend on the training flag.
        using var native = OneDnnForwardCheck.NativeWhereNeeded(Convolutions, images);
        return trunk.call(images);
    }
}
