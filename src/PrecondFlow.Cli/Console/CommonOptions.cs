using System.CommandLine;
using PrecondFlow.Devices;

namespace PrecondFlow.Cli.Console;

/// <summary>Options that several commands share, created fresh for each command.</summary>
internal static class CommonOptions
{
    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "Where to compute: auto (CUDA when available), cpu or cuda. CUDA needs a CUDA libtorch, see --libtorch.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong(DeviceSelection.Names.ToArray());

    public static Option<string?> LibTorch() => new("--libtorch")
    {
        Description = $"Folder of a CUDA-enabled libtorch (e.g. torch/lib of a PyTorch install); default: ${DeviceSelection.LibTorchVariable}.",
    };

    public static Option<long> Seed(long defaultSeed = 0) => new("--seed")
    {
        Description = "Seed of every random draw; the same seed gives the same numbers on the CPU.",
        DefaultValueFactory = _ => defaultSeed,
    };

    public static Option<string> Out(string defaultFolder) => new("--out")
    {
        Description = $"Output folder (default: {defaultFolder}). It is written atomically: a failed run leaves nothing.",
        DefaultValueFactory = _ => defaultFolder,
    };

    public static Option<int> Positive(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 1)
                result.AddError($"{name} must be a positive whole number; got {value}.");
        });
        return option;
    }

    public static Option<double> PositiveReal(string name, string description, double defaultValue)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0) || !double.IsFinite(value))
                result.AddError($"{name} must be a positive number; got {value}.");
        });
        return option;
    }
}
