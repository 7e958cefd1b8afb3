using PrecondFlow.IO;
using PrecondFlow.Reporting;

namespace PrecondFlow.Theory;

/// <summary>
/// Writes a <see cref="TheoryResult"/>: <c>theory.json</c> and the PNGs of the paper's Figure 6
/// (κ(t) for several κ; per-direction error against steps for GD and for SGD, log-y) plus the step
/// counts of Theorem 4.1 against κ.
/// </summary>
public static class TheoryReport
{
    public const string JsonFile = "theory.json";
    public const string KappaChartFile = "kappa_t.png";
    public const string GradientDescentChartFile = "gd_modes.png";
    public const string StochasticGradientChartFile = "sgd_modes.png";
    public const string StepsChartFile = "steps.png";

    /// <summary>Writes the JSON and the four charts into <paramref name="folder"/> (created if missing).</summary>
    public static void Write(string folder, TheoryResult result)
    {
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, JsonFile), result);
        WriteKappaChart(Path.Combine(folder, KappaChartFile), result);
        WriteModesChart(Path.Combine(folder, GradientDescentChartFile), result.GradientDescent,
            $"Gradient descent error per eigendirection (t = {result.Options.FigureTime:0.##})");
        WriteModesChart(Path.Combine(folder, StochasticGradientChartFile), result.StochasticGradient,
            $"SGD error per eigendirection (t = {result.Options.FigureTime:0.##}, σ² = {result.Options.Noise.Scale:G2}·λ^{result.Options.Noise.Exponent:0.##})");
        WriteStepsChart(Path.Combine(folder, StepsChartFile), result);
    }

    /// <summary>
    /// Writes <c>{"kappa", "measured_kappa", "steps_plain", "steps_preconditioned", "steps_predicted",
    /// "epsilon", "dim", "outputs", "samples", "seed", "t", "kappa_t", "figure": {...}}</c>; kappa_t holds
    /// one κ(t) curve per entry of kappa, figure the per-direction GD/SGD errors (|e_i| per step).
    /// </summary>
    public static void WriteJson(string path, TheoryResult result) => Json.WriteFile(path, ToDocument(result));

    /// <summary>κ(Σ_t) against t, one curve per κ(Σ), log-y (Figure 6, eq. 15).</summary>
    public static void WriteKappaChart(string path, TheoryResult result) =>
        Charts.Lines(path, "Condition number of Σ_t along the linear path (eq. 15)", "t", "κ(Σ_t)",
            result.Runs.Select((r, i) => new Series($"κ(Σ) = {r.Kappa:G4}", result.Times, result.KappaCurves[i])),
            logY: true);

    /// <summary>|e_i| against steps, one curve per eigendirection, log-y (Figure 6).</summary>
    public static void WriteModesChart(string path, EigenmodeTrajectory trajectory, string title) =>
        Charts.Lines(path, title, "step", "|error| along eigendirection",
            trajectory.Eigenvalues.Select((l, i) => Series.Of($"λ = {l:G3}", trajectory.Magnitude(i))),
            logY: true);

    /// <summary>Gradient steps to reach ε against log₁₀ κ: plain, preconditioned and κ·ln(1/ε), log-y.</summary>
    public static void WriteStepsChart(string path, TheoryResult result)
    {
        var x = result.Runs.Select(r => Math.Log10(r.Kappa)).ToArray();
        Charts.Lines(path, $"Gradient steps to relative error {result.Options.Epsilon:G2} (Theorem 4.1)", "log₁₀ κ(Σ)", "steps",
            new[]
            {
                new Series("plain", x, result.Runs.Select(r => (double)r.StepsPlain).ToArray()),
                new Series("preconditioned, M = Σ^(−½)", x, result.Runs.Select(r => (double)r.StepsPreconditioned).ToArray()),
                new Series("κ·ln(1/ε)", x, result.Runs.Select(r => r.PredictedSteps).ToArray()),
            },
            logY: true);
    }

    private static TheoryDocument ToDocument(TheoryResult r)
    {
        var o = r.Options;
        return new TheoryDocument(
            Kappa: r.Runs.Select(x => x.Kappa).ToArray(),
            MeasuredKappa: r.Runs.Select(x => x.MeasuredKappa).ToArray(),
            StepsPlain: r.Runs.Select(x => x.StepsPlain).ToArray(),
            StepsPreconditioned: r.Runs.Select(x => x.StepsPreconditioned).ToArray(),
            StepsPredicted: r.Runs.Select(x => x.PredictedSteps).ToArray(),
            Epsilon: o.Epsilon, Dim: o.Dim, Outputs: o.Outputs, Samples: o.Samples, Seed: o.Seed,
            T: r.Times, KappaT: r.KappaCurves,
            Figure: new FigureDocument(
                Kappa: o.FigureKappa, Time: o.FigureTime,
                Eigenvalues: r.GradientDescent.Eigenvalues,
                LearningRate: r.GradientDescent.LearningRate,
                Steps: r.GradientDescent.Steps,
                GdError: r.GradientDescent.Eigenvalues.Select((_, i) => r.GradientDescent.Magnitude(i)).ToArray(),
                SgdError: r.StochasticGradient.Eigenvalues.Select((_, i) => r.StochasticGradient.Magnitude(i)).ToArray(),
                NoiseScale: o.Noise.Scale, NoiseExponent: o.Noise.Exponent,
                StationaryVarianceMeasured: r.StationaryVarianceMeasured,
                StationaryVariancePredicted: r.StationaryVariancePredicted));
    }

    private sealed record TheoryDocument(
        IReadOnlyList<double> Kappa, IReadOnlyList<double> MeasuredKappa,
        IReadOnlyList<int> StepsPlain, IReadOnlyList<int> StepsPreconditioned, IReadOnlyList<double> StepsPredicted,
        double Epsilon, int Dim, int Outputs, int Samples, long Seed,
        IReadOnlyList<double> T, IReadOnlyList<double[]> KappaT, FigureDocument Figure);

    private sealed record FigureDocument(
        double Kappa, double Time, IReadOnlyList<double> Eigenvalues, double LearningRate, int Steps,
        IReadOnlyList<double[]> GdError, IReadOnlyList<double[]> SgdError, double NoiseScale, double NoiseExponent,
        IReadOnlyList<double> StationaryVarianceMeasured, IReadOnlyList<double> StationaryVariancePredicted);
}
