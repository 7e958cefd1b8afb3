using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Interop;

/// <summary>Small trained model folders and their safetensors exports, made through the command line as a user would.</summary>
internal static class ExportedModels
{
    /// <summary>Model variants that cover every network option the exporters write: label embedding and one-hot,
    /// raw and sinusoidal time, several activations, EMA, and the preconditioners whitening, class-whitening, RealNVP
    /// and a chain.</summary>
    public static readonly Dictionary<string, string[]> Variants = new()
    {
        ["embedding, whiten+realnvp, ema"] =
            ["--data", "8gaussians", "--preconditioner", "whiten+realnvp", "--ema", "0.9"],
        ["one-hot, gelu, class-whiten"] =
            ["--data", "8gaussians", "--preconditioner", "class-whiten", "--label-encoding", "one-hot", "--activation", "gelu"],
        ["unconditional, raw time, selu, realnvp"] =
            ["--data", "moons", "--unconditional", "--preconditioner", "realnvp", "--time-encoding", "raw", "--activation", "selu"],
    };

    /// <summary>Trains a small model of the variant into <paramref name="folder"/>/model and exports it to
    /// <paramref name="folder"/>/model.safetensors; returns both paths.</summary>
    public static (string Model, string File) Make(string folder, string variant)
    {
        var model = Path.Combine(folder, "model");
        var file = Path.Combine(folder, "model.safetensors");
        var train = CliRunner.Run(["train", "--count", "400", "--steps", "40", "--realnvp-steps", "40", "--hidden", "16,16",
            "--realnvp-hidden", "32", "--out", model, .. Variants[variant]]);
        Assert.True(train.ExitCode == 0, train.Error);
        var export = CliRunner.Run("export", "--model", model, "--format", "safetensors", "--out", file);
        Assert.True(export.ExitCode == 0, export.Error);
        return (model, file);
    }
}
