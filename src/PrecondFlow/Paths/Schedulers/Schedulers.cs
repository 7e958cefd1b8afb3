namespace PrecondFlow.Paths.Schedulers;

/// <summary>Looks schedulers up by the names used in configurations and on the command line.</summary>
public static class Schedulers
{
    /// <summary>The names accepted by <see cref="FromName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "linear", "sine-cosine", "vp" };

    /// <summary>A new scheduler for <paramref name="name"/>: "linear", "sine-cosine" (alias "cosine") or "vp" (default β range).</summary>
    /// <param name="name">The scheduler's name, case-sensitive.</param>
    /// <exception cref="ArgumentException">An unknown name; the message lists <see cref="Names"/>.</exception>
    public static IScheduler FromName(string name) => name switch
    {
        "linear" => new LinearScheduler(),
        "sine-cosine" or "cosine" => new SineCosineScheduler(),
        "vp" => new VariancePreservingScheduler(),
        _ => throw new ArgumentException(
            $"Unknown probability path '{name}'. Known paths: {string.Join(", ", Names)}.", nameof(name)),
    };
}
