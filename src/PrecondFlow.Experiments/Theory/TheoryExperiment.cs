using PrecondFlow.LinearAlgebra;

namespace PrecondFlow.Theory;

/// <summary>
/// The Gaussian theory made runnable (SPEC §3–4, paper Fig. 6 and App. D.1): gradient-descent step
/// counts with and without the preconditioner M = Σ^(−½) on actual least-squares problems, the κ(t)
/// curves of eq. 15, and the per-eigendirection error of GD and SGD on the regression at one time.
/// </summary>
public static class TheoryExperiment
{
    public static TheoryResult Run(TheoryOptions? options = null)
    {
        options ??= new TheoryOptions();
        options.Validate();

        var runs = options.Kappas
            .Select(k => LeastSquaresPreconditioning.Run(k, options.Dim, options.Outputs, options.Samples, options.Epsilon, options.Seed))
            .ToArray();

        var times = Enumerable.Range(0, options.TimeCount).Select(i => (double)i / (options.TimeCount - 1)).ToArray();
        var curves = options.Kappas
            .Select(k => times.Select(t => GaussianTransport.LinearPathConditionNumber(t, 1 / k, 1)).ToArray())
            .ToArray();

        // The regression at the figure's time: Hessian eigenvalues (1−t)² + t²λ_i (eq. 14) of a target
        // whose spectrum spans [1/κ, 1].
        var spectrum = SymmetricMatrices.GeometricSpectrum(options.FigureDirections, options.FigureKappa);
        var t = options.FigureTime;
        var modes = spectrum.Select(l => (1 - t) * (1 - t) + t * t * l).ToArray();
        var kappaT = modes.Max() / modes.Min();
        var steps = options.FigureSteps ?? (int)Math.Ceiling(5 * kappaT);
        var eta = GradientDescentModes.DefaultLearningRate(modes);
        var gd = GradientDescentModes.Run(modes, steps, eta);
        var sgd = StochasticGradientModes.Run(modes, steps, options.Seed, eta, options.Noise);
        var measured = StochasticGradientModes.MeasureStationaryVariance(modes, options.Seed + 1, eta, options.Noise,
            options.StationaryChains);
        var predicted = StochasticGradientModes.PredictedStationaryVariance(modes, eta, options.Noise);

        return new TheoryResult(runs, times, curves, gd, sgd, measured, predicted, options);
    }
}
