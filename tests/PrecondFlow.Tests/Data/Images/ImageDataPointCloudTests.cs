using PrecondFlow.Data.Images;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Data.Images;

public class ImageDataPointCloudTests
{
    [Fact]
    public void ImagesBecomeFlattenedPointsInMinusOneToOneWithLabelsAndTheirShape()
    {
        using var scope = NewDisposeScope();
        // Two 2×3 images: intensities 0, 0.5, 1, … and their labels.
        float[] pixels = [0f, 0.5f, 1f, 0.25f, 0.75f, 1f, 1f, 1f, 0f, 0f, 0.5f, 0.5f];
        var data = new ImageData(2, 3, pixels, [1, 0], ["a", "b", "c"]);

        var cloud = data.ToPointCloud();

        Assert.Equal((2L, 6, 3), (cloud.Count, cloud.Dim, cloud.NumClasses));
        Assert.Equal(new[] { 1, 2, 3 }, cloud.ImageShape);
        Assert.Equal(pixels.Select(v => 2 * v - 1), cloud.Points.reshape(-1).data<float>().ToArray());
        Assert.Equal(new long[] { 1, 0 }, cloud.Labels!.data<long>().ToArray());
    }
}
