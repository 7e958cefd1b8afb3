namespace PrecondFlow.Solvers;

/// <summary>Tolerances and limits of an adaptive solver (<see cref="DormandPrinceSolver"/>).</summary>
/// <param name="RelativeTolerance">rtol ≥ 0: allowed local error relative to |x|.</param>
/// <param name="AbsoluteTolerance">atol &gt; 0: allowed local error where x is near 0. A step is accepted
/// when the RMS over all elements of err / (atol + rtol·max(|x|, |x_new|)) is at most 1.</param>
/// <param name="InitialStep">first step size (absolute value); null chooses it by Hairer's heuristic
/// (Hairer, Nørsett &amp; Wanner, <i>Solving ODEs I</i>, §II.4), at the cost of one extra evaluation.</param>
/// <param name="MinimumStep">steps below this size (absolute value) stop the integration with a
/// <see cref="StepSizeUnderflowException"/>.</param>
/// <param name="MaximumSteps">attempted steps (accepted + rejected) after which the integration stops
/// with an <see cref="OdeIntegrationException"/>.</param>
public sealed record AdaptiveOptions(
    double RelativeTolerance = 1e-5,
    double AbsoluteTolerance = 1e-5,
    double? InitialStep = null,
    double MinimumStep = 1e-10,
    int MaximumSteps = 100_000)
{
    /// <summary>Throws a clear error for tolerances or limits that cannot work.</summary>
    public void Validate()
    {
        if (!(RelativeTolerance >= 0) || !double.IsFinite(RelativeTolerance))
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance,
                $"The relative tolerance must be a finite number ≥ 0 (e.g. 1e-5); got {RelativeTolerance}.");
        if (!(AbsoluteTolerance > 0) || !double.IsFinite(AbsoluteTolerance))
            throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), AbsoluteTolerance,
                $"The absolute tolerance must be a finite number > 0 (e.g. 1e-5), so that states near 0 have an error scale; got {AbsoluteTolerance}.");
        if (InitialStep is { } h && (!(h > 0) || !double.IsFinite(h)))
            throw new ArgumentOutOfRangeException(nameof(InitialStep), h,
                $"The initial step must be a finite size > 0 (its sign follows the direction of integration), or null to choose it automatically; got {h}.");
        if (!(MinimumStep > 0) || !double.IsFinite(MinimumStep))
            throw new ArgumentOutOfRangeException(nameof(MinimumStep), MinimumStep,
                $"The minimum step must be a finite size > 0 (e.g. 1e-10); got {MinimumStep}.");
        if (InitialStep is { } h0 && h0 < MinimumStep)
            throw new ArgumentOutOfRangeException(nameof(InitialStep), h0,
                $"The initial step {h0} is below the minimum step {MinimumStep}; raise it or lower MinimumStep.");
        if (MaximumSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(MaximumSteps), MaximumSteps,
                $"The step limit must be at least 1 (e.g. 100000); got {MaximumSteps}.");
    }
}
