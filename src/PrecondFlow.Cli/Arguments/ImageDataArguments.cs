using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Images;
using PrecondFlow.Images;

namespace PrecondFlow.Cli.Arguments;

/// <summary>
/// Images as data: a named image data set (its training images, found as `reproduce table2` finds them) or a folder of
/// images with one sub-folder per class (torchvision's ImageFolder). Pixels are scaled to [−1, 1]; the points keep the
/// image shape.
/// </summary>
internal sealed class ImageDataArguments
{
    /// <summary>At most this many skipped files are named in the run's configuration (all are counted).</summary>
    private const int SkippedFilesNamed = 20;

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = $"fashion-mnist / mnist: the folder holding the data set (default: the folder in {ImageDatasets.DataDirVariable}, then the standard places; see the README).",
    };

    public Option<int?> ImageSize { get; } = new("--image-size")
    {
        Description = "Image folder: resize each image so that its shorter side is S pixels, then crop the central S×S square " +
            "(default: every image keeps the first image's size; others are resized to it).",
    };

    public Option<int?> ImageChannels { get; } = new("--image-channels")
    {
        Description = "Image folder: 1 (grayscale) or 3 (RGB) channels (default: 1 when every image is grayscale, else 3).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(DataDir);
        command.Options.Add(ImageSize);
        command.Options.Add(ImageChannels);
    }

    /// <summary>Whether <paramref name="data"/> names an image data set (fashion-mnist, mnist).</summary>
    public static bool IsDataSet(string data) => ImageDatasets.Names.Contains(data.Trim().ToLowerInvariant());

    /// <summary>The images <paramref name="data"/> stands for when it names an image data set or a folder; null otherwise.</summary>
    /// <exception cref="ArgumentException">--data-dir, --image-size or --image-channels given where they do not apply.</exception>
    public LoadedData? TryLoad(ParseResult parse, string data)
    {
        bool dataSet = IsDataSet(data), folder = !dataSet && Directory.Exists(data);
        if (!dataSet && parse.GetValue(DataDir) is not null)
            throw new ArgumentException($"--data-dir applies to the image data sets ({string.Join(", ", ImageDatasets.Names)}), not to --data '{data}'.");
        if (!folder && (parse.GetValue(ImageSize) is not null || parse.GetValue(ImageChannels) is not null))
            throw new ArgumentException($"--image-size and --image-channels apply to a folder of images, not to --data '{data}'.");
        return dataSet ? LoadDataSet(parse, data) : folder ? LoadFolder(parse, data) : null;
    }

    private LoadedData LoadDataSet(ParseResult parse, string data)
    {
        var name = ImageDatasets.CheckName(data);
        var split = ImageDatasets.Load(name, ProcessEnvironment.ImageDataLocations(name, parse.GetValue(DataDir)));
        var points = split.Train.ToPointCloud();
        return new LoadedData(points, new
        {
            dataset = name,
            split = "train",
            source = split.Source,
            count = points.Count,
            image_shape = points.ImageShape,
            classes = split.Train.ClassNames,
        }, split.Train.ClassNames);
    }

    private LoadedData LoadFolder(ParseResult parse, string folder)
    {
        var options = new ImageFolderOptions(parse.GetValue(ImageSize), parse.GetValue(ImageChannels));
        var images = ImageFolder.Read(folder, options);
        var notes = images.Conversions.ToList();
        if (images.SkippedFiles.Count > 0)
            notes.Insert(0, $"skipped {images.SkippedFiles.Count} file{(images.SkippedFiles.Count == 1 ? "" : "s")} that {(images.SkippedFiles.Count == 1 ? "is" : "are")} not " +
                $"PNG or JPEG images ({string.Join(", ", images.SkippedFiles.Take(3).Select(f => $"'{f}'"))}{(images.SkippedFiles.Count > 3 ? ", …" : "")})");
        return new LoadedData(images.Points, new
        {
            image_folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))),
            count = images.Points.Count,
            image_shape = images.ImageShape,
            image_size = options.Size,
            classes = images.ClassNames,
            class_counts = images.ClassCounts(),
            skipped_files = images.SkippedFiles.Count,
            skipped = images.SkippedFiles.Take(SkippedFilesNamed).ToArray(),
            conversions = images.Conversions,
        }, images.ClassNames, notes);
    }
}
