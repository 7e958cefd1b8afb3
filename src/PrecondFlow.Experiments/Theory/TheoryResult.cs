namespace PrecondFlow.Theory;

/// <summary>What <see cref="TheoryExperiment.Run"/> measured.</summary>
/// <param name="Runs">Theorem 4.1 on matrices, one per κ.</param>
/// <param name="Times">The times of the κ(t) curves.</param>
/// <param name="KappaCurves">κ(Σ_t) of eq. 15 over <paramref name="Times"/>, one curve per κ of <paramref name="Runs"/>.</param>
/// <param name="GradientDescent">Per-direction GD error at the figure's time (Hessian Σ_t).</param>
/// <param name="StochasticGradient">Per-direction SGD error, same Hessian, same step size.</param>
/// <param name="StationaryVarianceMeasured">The SGD stationary variance per direction, by simulation.</param>
/// <param name="StationaryVariancePredicted">The same from eq. 70–71.</param>
/// <param name="Options">The settings used.</param>
public sealed record TheoryResult(
    IReadOnlyList<LeastSquaresComparison> Runs,
    IReadOnlyList<double> Times,
    IReadOnlyList<double[]> KappaCurves,
    EigenmodeTrajectory GradientDescent,
    EigenmodeTrajectory StochasticGradient,
    IReadOnlyList<double> StationaryVarianceMeasured,
    IReadOnlyList<double> StationaryVariancePredicted,
    TheoryOptions Options);
