namespace PrecondFlow.Theory;

/// <summary>
/// Settings of the Gaussian-theory experiment (<see cref="TheoryExperiment"/>): Theorem 4.1 on
/// matrices at several condition numbers, the κ(t) curves of eq. 15, and the per-direction GD and SGD
/// errors of the paper's Figure 6.
/// </summary>
public sealed record TheoryOptions
{
    /// <summary>Condition numbers κ(Σ) to run; the paper's {1, 10, 100, 1000}.</summary>
    public IReadOnlyList<double> Kappas { get; init; } = new[] { 1.0, 10, 100, 1000 };

    /// <summary>Input dimension d of the least-squares problems.</summary>
    public int Dim { get; init; } = 8;

    /// <summary>Rows of W.</summary>
    public int Outputs { get; init; } = 4;

    /// <summary>Samples n (columns of X).</summary>
    public int Samples { get; init; } = 256;

    /// <summary>Relative error ε the step counts are measured at.</summary>
    public double Epsilon { get; init; } = 1e-6;

    /// <summary>Number of equally spaced times in [0, 1] for the κ(t) curves.</summary>
    public int TimeCount { get; init; } = 101;

    /// <summary>κ(Σ) of the target whose modes are shown in the GD/SGD figures.</summary>
    public double FigureKappa { get; init; } = 100;

    /// <summary>Time t of the regression shown in the GD/SGD figures (its Hessian is Σ_t).</summary>
    public double FigureTime { get; init; } = 1.0;

    /// <summary>Number of eigendirections shown (eigenvalues spread geometrically).</summary>
    public int FigureDirections { get; init; } = 4;

    /// <summary>Steps of the GD and SGD runs; 5·κ(Σ_t) when null, enough for the slowest mode to decay by e⁻⁵.</summary>
    public int? FigureSteps { get; init; }

    /// <summary>SGD noise model; σ_i² = 10⁻⁴·λ_i by default (SPEC §3's σ_i² ∝ λ_i), a floor visible on the plot.</summary>
    public SgdNoise Noise { get; init; } = new(Scale: 1e-4, Exponent: 1);

    /// <summary>Independent SGD chains averaged for the measured stationary variance.</summary>
    public int StationaryChains { get; init; } = 64;

    /// <summary>Seed of every random draw.</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        if (Kappas.Count == 0 || Kappas.Any(k => !(k >= 1) || double.IsInfinity(k)))
            throw new ArgumentOutOfRangeException(nameof(Kappas),
                $"Give at least one finite condition number ≥ 1; got [{string.Join(", ", Kappas)}].");
        if (Dim < 2)
            throw new ArgumentOutOfRangeException(nameof(Dim), Dim, "Use a dimension of at least 2 so that κ > 1 is possible.");
        if (Outputs < 1)
            throw new ArgumentOutOfRangeException(nameof(Outputs), Outputs, "W needs at least one row.");
        if (Samples < Dim)
            throw new ArgumentOutOfRangeException(nameof(Samples), Samples, $"Use at least Dim = {Dim} samples.");
        if (!(Epsilon > 0 && Epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "ε must lie in (0, 1), e.g. 1e-6.");
        if (TimeCount < 2)
            throw new ArgumentOutOfRangeException(nameof(TimeCount), TimeCount, "Use at least 2 times.");
        if (!(FigureKappa >= 1) || double.IsInfinity(FigureKappa))
            throw new ArgumentOutOfRangeException(nameof(FigureKappa), FigureKappa, "A condition number is a finite number ≥ 1.");
        if (!(FigureTime > 0 && FigureTime <= 1))
            throw new ArgumentOutOfRangeException(nameof(FigureTime), FigureTime, "Pick a time in (0, 1].");
        if (FigureDirections < 2)
            throw new ArgumentOutOfRangeException(nameof(FigureDirections), FigureDirections, "Show at least 2 directions.");
        if (FigureSteps is < 1)
            throw new ArgumentOutOfRangeException(nameof(FigureSteps), FigureSteps, "Run at least one step.");
        if (StationaryChains < 1)
            throw new ArgumentOutOfRangeException(nameof(StationaryChains), StationaryChains, "Run at least one chain.");
        Noise.Validate();
    }
}
