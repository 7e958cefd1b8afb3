using PrecondFlow.Preconditioning.Internal;

namespace PrecondFlow.Preconditioning;

/// <summary>Rebuilds saved preconditioners of any kind.</summary>
public static class Preconditioners
{
    /// <summary>The kinds <see cref="Load"/> knows, as written in <c>preconditioner.json</c>.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    [
        IdentityPreconditioner.Kind,
        AffineWhitening.Kind,
        ClassConditionalWhitening.Kind,
        RealNvp.Kind,
        FlowPreconditioner.Kind,
        ChannelStandardization.Kind,
        PreconditionerChain.Kind,
    ];

    /// <summary>
    /// Reads <c>preconditioner.json</c> in <paramref name="folder"/> ({"format_version": 1, "kind": ..., settings}) and
    /// the weights file it names, and rebuilds the map of that kind.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder holds no <c>preconditioner.json</c>.</exception>
    /// <exception cref="InvalidDataException">A newer format version, an unknown kind, invalid settings, or a missing,
    /// corrupted or mismatched weights file; the message names the file.</exception>
    public static IPreconditioner Load(string folder)
    {
        var description = PreconditionerFolder.ReadDescription(folder);
        var kind = description.Kind;
        try
        {
            return LoadKind(description, kind);
        }
        catch (ArgumentException e)
        {
            // A constructor rejected a setting read from the file.
            throw new InvalidDataException($"{description.Path}: invalid settings for '{kind}': {e.Message}", e);
        }
    }

    private static IPreconditioner LoadKind(Description description, string kind) =>
        kind switch
        {
            IdentityPreconditioner.Kind => IdentityPreconditioner.Load(description),
            AffineWhitening.Kind => AffineWhitening.Load(description),
            ClassConditionalWhitening.Kind => ClassConditionalWhitening.Load(description),
            RealNvp.Kind => RealNvp.Load(description),
            FlowPreconditioner.Kind => FlowPreconditioner.Load(description),
            ChannelStandardization.Kind => ChannelStandardization.Load(description),
            PreconditionerChain.Kind => PreconditionerChain.Load(description),
            _ => throw new InvalidDataException(
                $"{description.Path}: unknown preconditioner kind '{kind}'. Known kinds: {string.Join(", ", Kinds)}; " +
                "a newer PrecondFlow may know it."),
        };
}
