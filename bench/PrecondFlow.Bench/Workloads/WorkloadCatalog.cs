namespace PrecondFlow.Bench.Workloads;

/// <summary>Every workload, by name, in the order they run.</summary>
internal static class WorkloadCatalog
{
    // Opt-in workloads: run only when named with --only (the couplings' cost grows steeply with the batch; a UNet step
    // takes tens of seconds on a 2-core CPU).
    private static readonly (string Name, Func<RepetitionPlan, IWorkload> Create)[] OnRequest =
        (from kind in new[] { "ot", "sinkhorn" }
         from batch in new[] { 256, 1024, 4096 }
         select ($"coupling-{kind}-{batch}", (Func<RepetitionPlan, IWorkload>)(_ => new CouplingStep(kind, batch))))
        .Append(("unet-train-step", _ => new UNetTrainingStep())).ToArray();

    private static readonly (string Name, Func<RepetitionPlan, IWorkload> Create)[] Entries =
    {
        ("flow-train-step", plan => new FlowTrainingStep(plan)),
        ("realnvp-train-step", plan => new RealNvpTrainingStep(plan)),
        ("flow-sample-rk4", _ => new FlowSampling()),
        ("realnvp-inverse", _ => new RealNvpInverse()),
        ("kappa-profile", _ => new KappaProfile()),
        ("ensemble-train-step", plan => new EnsembleTrainingStep(plan)),
        ("sequential-train-step", plan => new SequentialTrainingStep(plan)),
    };

    /// <summary>Every workload's name: the default ones, then those run only on request.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Concat(OnRequest).Select(e => e.Name).ToArray();

    /// <summary>Creates the workloads named in <paramref name="only"/> (all when empty), in catalog order.</summary>
    public static IEnumerable<Func<IWorkload>> Select(IReadOnlyCollection<string> only, RepetitionPlan plan)
    {
        var unknown = only.Where(n => !Names.Contains(n)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException(
                $"Unknown workload '{unknown[0]}'. Known workloads: {string.Join(", ", Names)}.", nameof(only));
        return (only.Count == 0 ? Entries : Entries.Concat(OnRequest).Where(e => only.Contains(e.Name)))
            .Select(e => (Func<IWorkload>)(() => e.Create(plan)));
    }
}
