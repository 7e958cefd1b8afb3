using PrecondFlow.Data.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Images;

public class ImageDataTests
{
    private static readonly string[] ThreeClasses = ["a", "b", "c"];

    /// <summary>Four 2 × 3 images; pixel p of image i is (6i + p) / 23, labels 2, 0, 1, 2.</summary>
    private static ImageData Four() =>
        new(2, 3, Enumerable.Range(0, 24).Select(k => k / 23f).ToArray(), [2, 0, 1, 2], ThreeClasses);

    [Fact]
    public void TheImagesTensorIsFloat32OfShapeCountOneHeightWidth()
    {
        using var scope = NewDisposeScope();
        var data = Four();
        var images = data.ImagesTensor();
        Assert.Equal(new long[] { 4, 1, 2, 3 }, images.shape);
        Assert.Equal(ScalarType.Float32, images.dtype);
        Assert.Equal(DeviceType.CPU, images.device_type);
        // Row-major: image 2, row 1, column 0 is flat element 2·6 + 1·3 + 0.
        Assert.Equal(15 / 23f, images[2, 0, 1, 0].item<float>());
        Assert.Equal(data.Pixels, images.data<float>().ToArray());
    }

    [Fact]
    public void TheLabelsTensorIsInt64()
    {
        using var scope = NewDisposeScope();
        var labels = Four().LabelsTensor(CPU);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 2, 0, 1, 2 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void TensorsAreCopiesThatLaterChangesToTheArraysDoNotReach()
    {
        using var scope = NewDisposeScope();
        var data = Four();
        var images = data.ImagesTensor();
        data.Pixels[0] = 1f;
        Assert.Equal(0f, images[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void ClassCountsCountEveryClassIncludingEmptyOnes()
    {
        Assert.Equal([1, 1, 2], Four().ClassCounts());
        Assert.Equal([0, 0, 2], Four().Subset([0, 3]).ClassCounts());
    }

    [Fact]
    public void ASubsetCopiesTheChosenImagesInTheGivenOrder()
    {
        var data = Four();
        var subset = data.Subset([3, 1, 1]);
        Assert.Equal((3, 2, 3), (subset.Count, subset.Height, subset.Width));
        Assert.Equal([2, 0, 0], subset.Labels);
        Assert.Equal(data.Pixels[18..24], subset.Pixels[0..6]);
        Assert.Equal(data.Pixels[6..12], subset.Pixels[6..12]);
        Assert.Equal(data.Pixels[6..12], subset.Pixels[12..18]);
        Assert.Equal(ThreeClasses, subset.ClassNames);
        Assert.Equal(0, data.Subset([]).Count);
    }

    [Fact]
    public void ASubsetIndexOutsideTheSetIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Four().Subset([0, 4]));
        Assert.Contains("Index 1 of the subset is 4, but the set holds 4 images (indices 0 to 3).", error.Message);
    }

    [Fact]
    public void ThePixelCountMustMatchTheLabelsAndImageSize()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageData(2, 3, new float[23], [0, 0, 0, 0], ThreeClasses));
        Assert.StartsWith("4 labels of 2×3 images need 24 pixels, but 23 were given", error.Message);
        Assert.Equal("pixels", error.ParamName);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void LabelsMustNameAClass(int label)
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageData(1, 1, [0f, 0f], [0, label], ThreeClasses));
        Assert.StartsWith($"Label 1 (counting from 0) is {label}; with 3 classes labels run from 0 to 2.", error.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(1.5f, "1.5")]
    [InlineData(-0.5f, "-0.5")]
    public void PixelsMustLieInTheUnitInterval(float value, string shown)
    {
        var pixels = new float[8];
        pixels[5] = value;
        var error = Assert.Throws<ArgumentException>(() => new ImageData(2, 2, pixels, [0, 1], ThreeClasses));
        Assert.StartsWith($"Pixel 1 of image 1 (counting from 0) is {shown}; intensities must lie in [0, 1]", error.Message);
    }

    [Fact]
    public void EmptySizesAndClassListsAreRejected()
    {
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageData(0, 3, [], [], ThreeClasses)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageData(3, 0, [], [], ThreeClasses)).ParamName);
        Assert.Equal("classNames", Assert.Throws<ArgumentException>(() => new ImageData(1, 1, [], [], [])).ParamName);
    }
}
