namespace PrecondFlow.Theory;

/// <summary>
/// The gradient-noise model of the SGD error recursion e_{k+1} = (1 − ηλ_i)e_k + ηξ_k (eq. 17, 68):
/// ξ_k ~ N(0, σ_i²) with σ_i² = Scale·λ_i^Exponent, independent across steps and directions.
/// <para>
/// Exponent = 1 is SPEC §3's σ_i² ∝ λ_i, which is what minibatch SGD on the Gaussian regression
/// actually produces: the per-sample gradient noise at the optimum is r·x_tᵀ with a residual r
/// independent of x_t, whose component along eigendirection q_i has variance E‖r‖²·λ_i. The stationary
/// variance ησ_i²/(2λ_i − ηλ_i²) is then ≈ η·Scale/2 in every direction. Exponent = 0 is
/// direction-independent noise, for which the stationary variance ≈ η·Scale/(2λ_i) grows like 1/λ_i,
/// the dependence the paper states in eq. 18 and 75.
/// </para>
/// </summary>
/// <param name="Scale">The constant c in σ_i² = c·λ_i^Exponent (c ≥ 0).</param>
/// <param name="Exponent">How the noise variance grows with the eigenvalue.</param>
public sealed record SgdNoise(double Scale = 1.0, double Exponent = 1.0)
{
    /// <summary>σ_i² for an eigenvalue λ_i.</summary>
    public double Variance(double eigenvalue) => Scale * Math.Pow(eigenvalue, Exponent);

    /// <summary>Checks that Scale is finite and ≥ 0 and Exponent is finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Either value is out of range.</exception>
    public void Validate()
    {
        if (!(Scale >= 0) || double.IsInfinity(Scale))
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "The noise scale must be a finite number ≥ 0.");
        if (!double.IsFinite(Exponent))
            throw new ArgumentOutOfRangeException(nameof(Exponent), Exponent, "The noise exponent must be finite (1: σ² ∝ λ, 0: constant).");
    }
}
