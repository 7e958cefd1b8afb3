namespace PrecondFlow.Preconditioning;

/// <summary>
/// Builds (unfitted) preconditioners from the names used on the command line: none, whiten, class-whiten, realnvp,
/// flow, or a chain of them joined by '+' (applied left to right, e.g. "whiten+realnvp").
/// </summary>
public static class PreconditionerFactory
{
    public static IReadOnlyList<string> Names { get; } = new[] { "none", "whiten", "class-whiten", "realnvp", "flow" };

    /// <param name="spec">A name or a '+'-joined chain of names.</param>
    /// <param name="dim">Data dimension.</param>
    /// <param name="numClasses">Classes of the data (0 when unlabelled).</param>
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
            _ => throw new ArgumentException(
                $"Unknown preconditioner '{name}'. Known: {string.Join(", ", Names)}, or a chain such as whiten+realnvp."),
        };
    }
}
