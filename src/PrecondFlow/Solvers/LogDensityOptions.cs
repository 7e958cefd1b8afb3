namespace PrecondFlow.Solvers;

/// <summary>How <see cref="LogDensityIntegrator"/> obtains ∇·v.</summary>
/// <param name="Method">exact, Hutchinson, or exact up to <paramref name="ExactUpToDimension"/> dimensions.</param>
/// <param name="Probes">number K ≥ 1 of Hutchinson probes per sample; K ≥ 2 also yields a standard error.</param>
/// <param name="Seed">seed (≥ 0) of the probes; the same seed and batch give the same probes on every call.</param>
/// <param name="Distribution">distribution of the probe entries.</param>
/// <param name="ExactUpToDimension">largest dimension for which <see cref="DivergenceMethod.Auto"/> picks the exact divergence.</param>
public sealed record LogDensityOptions(
    DivergenceMethod Method = DivergenceMethod.Auto,
    int Probes = 4,
    long Seed = 0,
    ProbeDistribution Distribution = ProbeDistribution.Rademacher,
    int ExactUpToDimension = 8)
{
    /// <summary>Throws a clear error for settings that cannot work.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Method))
            throw new ArgumentOutOfRangeException(nameof(Method), Method,
                $"Unknown divergence method {Method}; use {string.Join(", ", Enum.GetNames<DivergenceMethod>())}.");
        if (!Enum.IsDefined(Distribution))
            throw new ArgumentOutOfRangeException(nameof(Distribution), Distribution,
                $"Unknown probe distribution {Distribution}; use {string.Join(", ", Enum.GetNames<ProbeDistribution>())}.");
        if (Probes < 1)
            throw new ArgumentOutOfRangeException(nameof(Probes), Probes,
                $"Hutchinson's estimator needs at least 1 probe per sample (2 or more for a standard error); got {Probes}.");
        if (Seed < 0)
            throw new ArgumentOutOfRangeException(nameof(Seed), Seed, $"The probe seed must be ≥ 0; got {Seed}.");
        if (ExactUpToDimension < 0)
            throw new ArgumentOutOfRangeException(nameof(ExactUpToDimension), ExactUpToDimension,
                $"The dimension limit for the exact divergence cannot be negative; got {ExactUpToDimension}.");
    }

    /// <summary>The method used for data of dimension <paramref name="dim"/>: never <see cref="DivergenceMethod.Auto"/>.</summary>
    public DivergenceMethod Resolve(int dim) => Method switch
    {
        DivergenceMethod.Auto => dim <= ExactUpToDimension ? DivergenceMethod.Exact : DivergenceMethod.Hutchinson,
        _ => Method,
    };
}
