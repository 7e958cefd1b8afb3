using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.IO;

/// <summary>
/// Refuses loaded weights that hold NaN or infinite values. A checksum proves that the bytes are those that were saved,
/// not that they are usable: a run that diverged saves NaNs with a valid checksum, and the first sign would otherwise be
/// a solver failing on non-finite dynamics far from the cause.
/// </summary>
internal static class FiniteWeights
{
    /// <summary>Checks every floating-point parameter and buffer of <paramref name="module"/>, loaded from
    /// <paramref name="file"/>; throws an <see cref="InvalidDataException"/> naming the file, the folder and the first
    /// non-finite entry.</summary>
    public static void Require(nn.Module module, string file)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, value) in module.state_dict())
        {
            if (!value.is_floating_point() || value.numel() == 0)
                continue;
            if (!isfinite(value).all().item<bool>())
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(file));
                throw new InvalidDataException(
                    $"{file}: the weights '{name}' hold NaN or infinite values. The folder '{folder}' is damaged or was " +
                    "saved from a diverged run: train it again, or restore it from a copy.");
            }
        }
    }
}
