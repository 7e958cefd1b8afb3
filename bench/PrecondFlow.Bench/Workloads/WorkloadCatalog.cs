namespace PrecondFlow.Bench.Workloads;

/// <summary>Every workload, by name, in the order they run.</summary>
internal static class WorkloadCatalog
{
    private static readonly (string Name, Func<RepetitionPlan, IWorkload> Create)[] Entries =
    {
        ("flow-train-step", plan => new FlowTrainingStep(plan)),
        ("realnvp-train-step", plan => new RealNvpTrainingStep(plan)),
        ("flow-sample-rk4", _ => new FlowSampling()),
        ("realnvp-inverse", _ => new RealNvpInverse()),
        ("kappa-profile", _ => new KappaProfile()),
    };

    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>Creates the workloads named in <paramref name="only"/> (all when empty), in catalog order.</summary>
    public static IEnumerable<Func<IWorkload>> Select(IReadOnlyCollection<string> only, RepetitionPlan plan)
    {
        var unknown = only.Where(n => !Names.Contains(n)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException(
                $"Unknown workload '{unknown[0]}'. Known workloads: {string.Join(", ", Names)}.", nameof(only));
        return Entries.Where(e => only.Count == 0 || only.Contains(e.Name)).Select(e => (Func<IWorkload>)(() => e.Create(plan)));
    }
}
