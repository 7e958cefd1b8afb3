using System.Diagnostics;
using System.Globalization;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Diagnostics;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Paths;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments;

/// <summary>One target of the demo: its convergence study and what the pictures need.</summary>
/// <param name="Kappa">The target's condition number κ(Cov x).</param>
/// <param name="Study">The study's curves (baseline first), with the first seed's final samples of every arm.</param>
/// <param name="RawKappa">κ(Cov x_t) along the linear path for the data as they are.</param>
/// <param name="PreconditionedKappa">κ(Cov x_t) for P(x), the data the preconditioned main flow is trained on.</param>
/// <param name="Data">(n) rows of (2) points of the target, for the scatter plot.</param>
/// <param name="WhitenedData">The same points in the data's whitened coordinates (every direction of unit variance).</param>
/// <param name="WhitenedSamples">Per arm, its final samples in the same whitened coordinates.</param>
public sealed record DemoTarget(
    double Kappa,
    StudyResult Study,
    ConditioningProfile RawKappa,
    ConditioningProfile PreconditionedKappa,
    IReadOnlyList<double[]> Data,
    IReadOnlyList<double[]> WhitenedData,
    IReadOnlyDictionary<string, IReadOnlyList<double[]>> WhitenedSamples);

/// <summary>The outcome of the demo: the ill-conditioned target where the theory predicts a plateau, and a contrast
/// target where it does not.</summary>
public sealed record DemoResult(DemoOptions Options, string Device, DemoTarget Main, DemoTarget Contrast, double WallSeconds);

/// <summary>
/// `precondflow demo`: flow matching on an elongated Gaussian with κ = 10⁴ at a constant learning rate, without and with
/// a preconditioner (same network, steps, batch and paired seeds), run as a <see cref="ConvergenceStudy"/> and evaluated
/// at log-spaced steps; then the same on a κ = 10² Gaussian, where preconditioning should matter little. κ(t) of both
/// targets along the path, raw and after the preconditioner, comes from <see cref="ConditioningAnalysis"/>.
/// </summary>
public static class BaselineDemo
{
    /// <summary>Times at which κ(Cov x_t) is reported.</summary>
    public static IReadOnlyList<double> KappaTimes { get; } = [.. Enumerable.Range(0, 20).Select(i => i / 20.0), 0.975, 0.99, 1.0];

    /// <summary>Runs both studies. Deterministic on the CPU: same options, same numbers.</summary>
    /// <param name="options">The demo's settings.</param>
    /// <param name="device">Where to train and sample.</param>
    /// <param name="progress">The studies' stages (learning rate, one per arm), each target in turn.</param>
    public static DemoResult Run(DemoOptions options, Device device, IExperimentProgress? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var main = RunTarget(options, options.Kappa, device, progress);
        var contrast = RunTarget(options, options.ContrastKappa, device, progress);
        return new DemoResult(options, device.ToString(), main, contrast, clock.Elapsed.TotalSeconds);
    }

    private static DemoTarget RunTarget(DemoOptions options, double kappa, Device device, IExperimentProgress? progress)
    {
        using var scope = NewDisposeScope();
        var data = ToyDatasets.Create("elongated-gaussian", options.Count, options.Seed, new ToyDatasetOptions(Kappa: kappa));
        var description = string.Create(CultureInfo.InvariantCulture, $"elongated-gaussian, κ = {kappa:G6}, {options.Count} points");
        var study = ConvergenceStudy.Run(options.Study(), new StudyData(data, description), device, progress);

        var path = AffinePath.FromName("linear");
        using var preconditioner = PreconditionerFactory.Create(options.Preconditioner, data.Dim, 0);
        preconditioner.Fit(data, options.Seed);
        var raw = ConditioningAnalysis.Exact(data.Points, path, KappaTimes);
        var preconditioned = ConditioningAnalysis.Exact(PreconditionedModel.Transform(preconditioner, data).Points, path, KappaTimes);

        // Whitened coordinates of the data (fitted on the data, whatever the arm's preconditioner): the thin direction
        // gets unit scale, so a spread that is 10× too wide there is visible.
        using var whitening = PreconditionerFactory.Create("whiten", data.Dim, 0);
        whitening.Fit(data, options.Seed);
        var whitenedSamples = study.Arms.ToDictionary(a => a.Name,
            a => Rows(whitening.Forward(Matrix(a.FinalSamples!)).Z));
        return new DemoTarget(kappa, study, raw, preconditioned, Rows(data.Points), Rows(whitening.Forward(data.Points).Z),
            whitenedSamples);
    }

    private static Tensor Matrix(IReadOnlyList<double[]> rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, rows[0].Length], ScalarType.Float32);

    private static IReadOnlyList<double[]> Rows(Tensor points)
    {
        var values = points.detach().cpu().to_type(ScalarType.Float64);
        int dim = (int)values.shape[1];
        var flat = values.data<double>().ToArray();
        return Enumerable.Range(0, (int)values.shape[0]).Select(r => flat.AsSpan(r * dim, dim).ToArray()).ToArray();
    }
}
