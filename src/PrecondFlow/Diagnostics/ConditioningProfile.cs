using System.Text.Json.Serialization;

namespace PrecondFlow.Diagnostics;

/// <summary>
/// The conditioning of the flow-matching regression along a path: at each time t, the spectrum of
/// Cov(x_t) (the Hessian of the regression at t, SPEC §1, §3) and κ(t) = λ_max/λ_min. κ is +∞ where
/// λ_min ≤ 0 (a singular covariance, e.g. fewer samples than dimensions at t = 1).
/// Written to JSON as <c>{"t": [...], "kappa": [...], "eigenvalues": [[...], ...], "per_class": {"0": {...}, ...}}</c>,
/// per_class only when labels were given.
/// </summary>
/// <param name="Times">The times t.</param>
/// <param name="Kappa">κ(Cov x_t) per time.</param>
/// <param name="Eigenvalues">Eigenvalues of Cov(x_t) per time, ascending.</param>
/// <param name="PerClass">The same profile per class label (Cov(x_t | y)), or null without labels.</param>
public sealed record ConditioningProfile(
    [property: JsonPropertyName("t")] IReadOnlyList<double> Times,
    IReadOnlyList<double> Kappa,
    IReadOnlyList<IReadOnlyList<double>> Eigenvalues,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<int, ConditioningProfile>? PerClass = null)
{
    /// <summary>The largest κ over all classes at each time (the hardest component sets the rate, eq. 90);
    /// null without labels.</summary>
    public double[]? WorstClassKappa() =>
        PerClass is null || PerClass.Count == 0
            ? null
            : Times.Select((_, i) => PerClass.Values.Max(p => p.Kappa[i])).ToArray();
}
