using System.CommandLine;
using PrecondFlow.Data;
using PrecondFlow.Data.Images;
using PrecondFlow.Data.Toy;

namespace PrecondFlow.Cli.Arguments;

/// <summary>
/// Where training data come from: a named 2D set (generated with the seed), an image data set or a folder of images
/// (<see cref="ImageDataArguments"/>), or a point file (.csv / .npy; a 4-D .npy holds images).
/// </summary>
internal sealed class DataArguments
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = $"A generated 2D data set ({string.Join(", ", ToyDatasets.Names)}); an image data set ({string.Join(", ", ImageDatasets.Names)}: " +
            "its training images, scaled to [−1, 1]); a folder of images with one sub-folder per class (PNG or JPEG, scaled to [−1, 1]); " +
            "or a point file (.csv with optional header and 'label' column, or .npy of shape (n, d) or (n, C, H, W) with an optional X.labels.npy).",
        DefaultValueFactory = _ => "swiss-roll",
    };

    public Option<int> Count { get; } = Console.CommonOptions.Positive("--count", "Points to generate for a named data set.", 20_000);

    public Option<double?> Noise { get; } = new("--noise") { Description = "Noise level of swiss-roll, moons (default 0.05) or 8gaussians (default 0.2)." };

    public Option<double> Kappa { get; } = new("--kappa") { Description = "Condition number of elongated-gaussian.", DefaultValueFactory = _ => 100 };

    public Option<double> Angle { get; } = new("--angle") { Description = "Angle (degrees) of the long axis of elongated-gaussian.", DefaultValueFactory = _ => 30 };

    public ImageDataArguments Images { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Count);
        command.Options.Add(Noise);
        command.Options.Add(Kappa);
        command.Options.Add(Angle);
        Images.AddTo(command);
    }

    /// <summary>True when the value names a file rather than a generated data set.</summary>
    public static bool IsFile(string data) =>
        PointCloudFiles.Extensions.Any(e => data.EndsWith(e, StringComparison.OrdinalIgnoreCase)) || File.Exists(data);

    /// <summary>True when the value names a generated 2D data set (neither a file, nor a folder, nor an image data set).</summary>
    public static bool IsGenerated(string data) => !IsFile(data) && !Directory.Exists(data) && !ImageDataArguments.IsDataSet(data);

    /// <summary>Loads or generates the data; <paramref name="seed"/> seeds generation.</summary>
    public LoadedData Load(ParseResult parse, long seed) => Load(parse, parse.GetValue(Data)!, seed);

    /// <summary>Loads the images, the point file or generates the named set <paramref name="data"/> with this command's
    /// settings (--count, --noise, --kappa, --angle; --data-dir, --image-size, --image-channels); <paramref name="seed"/> seeds generation.</summary>
    public LoadedData Load(ParseResult parse, string data, long seed)
    {
        if (Images.TryLoad(parse, data) is { } images)
            return images;
        if (IsFile(data))
        {
            var points = PointCloudFiles.Read(data);
            return new LoadedData(points, points.ImageShape is { } shape
                ? new { file = Path.GetFileName(data), count = points.Count, image_shape = shape }
                : new { file = Path.GetFileName(data) });
        }
        if (data.Contains('/') || data.Contains(Path.DirectorySeparatorChar))
            throw new DirectoryNotFoundException($"--data '{data}': there is no such file or folder (looked for '{Path.GetFullPath(data)}').");
        var options = new ToyDatasetOptions(Noise: parse.GetValue(Noise), Kappa: parse.GetValue(Kappa), AngleDegrees: parse.GetValue(Angle));
        return new LoadedData(ToyDatasets.Create(data, parse.GetValue(Count), seed, options), new
        {
            dataset = data,
            count = parse.GetValue(Count),
            noise = parse.GetValue(Noise),
            kappa = parse.GetValue(Kappa),
            angle_degrees = parse.GetValue(Angle),
        });
    }
}
