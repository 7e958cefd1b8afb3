using System.Text.Json.Serialization;
namespace PrecondFlow.Couplings;

/// <summary>Which minibatch coupling pairs x₀ with x₁ during training, with its settings.</summary>
/// <param name="Name">"independent" (pairs as drawn), "ot" (exact minibatch optimal transport, a linear assignment on the
/// host in float64) or "sinkhorn" (entropic optimal transport by log-domain Sinkhorn on the device, pairs sampled from
/// the plan).</param>
/// <param name="SinkhornEpsilon">Entropic regularisation ε of "sinkhorn", in units of the squared Euclidean cost (as
/// TorchCFM's and POT's <c>reg</c>): the plan is ∝ exp(−‖x₀ − x₁‖²/ε) up to the marginal scalings.</param>
/// <param name="SinkhornIterations">Most Sinkhorn iterations (one row and one column update each).</param>
/// <param name="SinkhornTolerance">Stop when the L1 error of the plan's row marginal is below this.</param>
/// <param name="Space">Where the cost is measured: after the preconditioner (default) or in data space.</param>
public sealed record CouplingOptions(
    string Name = "independent",
    double SinkhornEpsilon = 0.05,
    int SinkhornIterations = 1000,
    double SinkhornTolerance = 1e-6,
    CouplingSpace Space = CouplingSpace.Flow)
{
    /// <summary>The values <see cref="Name"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "independent", "ot", "sinkhorn" };

    /// <summary>True for the independent coupling, which leaves every draw of training exactly as without a coupling.</summary>
    [JsonIgnore]
    public bool IsIndependent => Name == "independent";

    /// <summary>Checks the name and the Sinkhorn settings.</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    /// <exception cref="ArgumentOutOfRangeException">ε ≤ 0, fewer than one iteration, or a tolerance ≤ 0.</exception>
    public void Validate()
    {
        if (!Names.Contains(Name))
            throw new ArgumentException($"Unknown coupling '{Name}'. Known couplings: {string.Join(", ", Names)}.", nameof(Name));
        if (!(SinkhornEpsilon > 0) || !double.IsFinite(SinkhornEpsilon))
            throw new ArgumentOutOfRangeException(nameof(SinkhornEpsilon), SinkhornEpsilon,
                $"The Sinkhorn ε must be a positive number, e.g. 0.05; got {SinkhornEpsilon}.");
        if (SinkhornIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(SinkhornIterations), SinkhornIterations,
                $"Sinkhorn needs at least one iteration; got {SinkhornIterations}.");
        if (!(SinkhornTolerance > 0))
            throw new ArgumentOutOfRangeException(nameof(SinkhornTolerance), SinkhornTolerance,
                $"The Sinkhorn tolerance must be positive, e.g. 1e-6; got {SinkhornTolerance}.");
    }

    /// <summary>The coupling these options describe.</summary>
    public ICoupling Create()
    {
        Validate();
        return Name switch
        {
            "ot" => new ExactOtCoupling(),
            "sinkhorn" => new SinkhornCoupling(SinkhornEpsilon, SinkhornIterations, SinkhornTolerance),
            _ => new IndependentCoupling(),
        };
    }
}
