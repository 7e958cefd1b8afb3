namespace PrecondFlow.Preconditioning;

/// <summary>
/// Builds (unfitted) preconditioners from the names used on the command line: none, whiten, class-whiten, realnvp,
/// flow, standardize, or a chain of them joined by '+' (applied left to right, e.g. "whiten+realnvp", or "flow+standardize":
/// the flow preconditioner followed by the matching-point operator).
/// </summary>
public static class PreconditionerFactory
{
    /// <summary>The single names <see cref="Create"/> accepts, each usable in a '+'-joined chain.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "none", "whiten", "class-whiten", "realnvp", "flow", ChannelStandardization.Kind };

    /// <summary>A new, unfitted preconditioner for <paramref name="spec"/>: "none" (identity), "whiten", "class-whiten",
    /// "realnvp", "flow", "standardize", or a <see cref="PreconditionerChain"/> of them joined by '+'.</summary>
    /// <param name="spec">A name or a '+'-joined chain of names.</param>
    /// <param name="dim">Data dimension.</param>
    /// <param name="numClasses">Classes of the data (0 when unlabelled).</param>
    /// <param name="settings">Options of the kinds; their defaults when null. RealNVP and flow members are label-conditional
    /// when <see cref="PreconditionerSettings.Conditional"/> is set and <paramref name="numClasses"/> &gt; 0.</param>
    /// <exception cref="ArgumentException">An unknown or empty name, or class-whiten with <paramref name="numClasses"/> = 0.</exception>
    public static IFittablePreconditioner Create(string spec, int dim, int numClasses, PreconditionerSettings? settings = null)
    {
        settings ??= new PreconditionerSettings();
        var parts = spec.Split('+', StringSplitOptions.TrimEntries);
        if (parts.Any(string.IsNullOrEmpty))
            throw new ArgumentException($"Preconditioner '{spec}': an empty name in the chain. Join names with '+', e.g. whiten+realnvp.");
        if (parts.Length == 1)
            return CreateOne(parts[0], dim, numClasses, settings);
        return new PreconditionerChain(parts.Select(p => (IPreconditioner)CreateOne(p, dim, numClasses, settings)));
    }

    private static IFittablePreconditioner CreateOne(string name, int dim, int numClasses, PreconditionerSettings s)
    {
        int classes = s.Conditional ? numClasses : 0;
        return name switch
        {
            "none" => new IdentityPreconditioner(dim),
            "whiten" => new AffineWhitening(dim, s.Shrinkage),
            "class-whiten" => numClasses > 0
                ? new ClassConditionalWhitening(dim, numClasses, s.Shrinkage, s.ClassFallback)
                : throw new ArgumentException("class-whiten needs labelled data (one mean and covariance per class); use whiten for unlabelled data."),
            "realnvp" => new RealNvp(dim, s.RealNvp, classes),
            "flow" => new FlowPreconditioner(dim, s.Flow, classes),
            ChannelStandardization.Kind => new ChannelStandardization(dim, s.Channels),
            _ => throw new ArgumentException(
                $"Unknown preconditioner '{name}'. Known: {string.Join(", ", Names)}, or a chain such as whiten+realnvp."),
        };
    }
}
