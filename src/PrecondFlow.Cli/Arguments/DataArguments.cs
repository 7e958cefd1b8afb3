using System.CommandLine;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;

namespace PrecondFlow.Cli.Arguments;

/// <summary>Where training data come from: a named 2D set (generated with the seed) or a point file (.csv / .npy).</summary>
internal sealed class DataArguments
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = $"A generated 2D data set ({string.Join(", ", ToyDatasets.Names)}) or a point file (.csv with optional header and 'label' column, or .npy with an optional X.labels.npy).",
        DefaultValueFactory = _ => "swiss-roll",
    };

    public Option<int> Count { get; } = Console.CommonOptions.Positive("--count", "Points to generate for a named data set.", 20_000);

    public Option<double?> Noise { get; } = new("--noise") { Description = "Noise level of swiss-roll, moons (default 0.05) or 8gaussians (default 0.2)." };

    public Option<double> Kappa { get; } = new("--kappa") { Description = "Condition number of elongated-gaussian.", DefaultValueFactory = _ => 100 };

    public Option<double> Angle { get; } = new("--angle") { Description = "Angle (degrees) of the long axis of elongated-gaussian.", DefaultValueFactory = _ => 30 };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Count);
        command.Options.Add(Noise);
        command.Options.Add(Kappa);
        command.Options.Add(Angle);
    }

    /// <summary>True when the value names a file rather than a generated data set.</summary>
    public static bool IsFile(string data) =>
        PointCloudFiles.Extensions.Any(e => data.EndsWith(e, StringComparison.OrdinalIgnoreCase)) || File.Exists(data);

    /// <summary>Loads or generates the data; <paramref name="seed"/> seeds generation.</summary>
    public PointCloud Load(ParseResult parse, long seed) => Load(parse, parse.GetValue(Data)!, seed);

    /// <summary>Loads the point file or generates the named set <paramref name="data"/> with this command's generation
    /// settings (--count, --noise, --kappa, --angle); <paramref name="seed"/> seeds generation.</summary>
    public PointCloud Load(ParseResult parse, string data, long seed)
    {
        if (IsFile(data))
            return PointCloudFiles.Read(data);
        var options = new ToyDatasetOptions(Noise: parse.GetValue(Noise), Kappa: parse.GetValue(Kappa), AngleDegrees: parse.GetValue(Angle));
        return ToyDatasets.Create(data, parse.GetValue(Count), seed, options);
    }

    /// <summary>The data settings as they go into a run's configuration file.</summary>
    public object Describe(ParseResult parse) => Describe(parse, parse.GetValue(Data)!);

    /// <summary>The settings of <paramref name="data"/> (a file or a named set) as they go into a run's configuration file.</summary>
    public object Describe(ParseResult parse, string data) => IsFile(data)
        ? new { file = Path.GetFileName(data) }
        : new
        {
            dataset = data,
            count = parse.GetValue(Count),
            noise = parse.GetValue(Noise),
            kappa = parse.GetValue(Kappa),
            angle_degrees = parse.GetValue(Angle),
        };
}
