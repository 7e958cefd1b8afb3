using System.Globalization;
using System.Text;
using PrecondFlow.Couplings;
using PrecondFlow.Experiments.Couplings;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;
using ScottPlot;
using SkiaSharp;

namespace PrecondFlow.Reporting.Couplings;

/// <summary>
/// Writes a <see cref="CouplingsResult"/> as a report folder: results.json (every number per seed, and the settings),
/// report.md (tables of quality against NFE, straightness and training time, and findings drawn from the numbers),
/// quality-vs-nfe.png, loss.png and one samples-&lt;problem&gt;.png per problem.
/// </summary>
public static class CouplingsReport
{
    public const string ResultsFile = "results.json";
    public const string ReportFile = "report.md";
    public const string QualityFigure = "quality-vs-nfe.png";
    public const string LossFigure = "loss.png";

    /// <summary>The scatter of one problem's low-NFE samples.</summary>
    public static string SamplesFigure(string problem) => $"samples-{problem}.png";

    /// <summary>Writes <paramref name="folder"/> atomically (nothing is written if it fails).</summary>
    /// <param name="command">The command line that reproduces the run.</param>
    /// <param name="runtime">The runtime entry of results.json (libtorch, threads, device).</param>
    public static void Write(string folder, CouplingsResult result, string command, object runtime) =>
        AtomicFile.WriteFolder(folder, staging =>
        {
            Json.WriteFile(Path.Combine(staging, ResultsFile), Document(result, command, runtime));
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFile), Markdown(result, command));
            WritePanels(Path.Combine(staging, QualityFigure), result.Problems.Select(QualityPlot).ToArray(), columns: result.Problems.Count, width: 820);
            WritePanels(Path.Combine(staging, LossFigure), result.Problems.Select(LossPlot).ToArray(), columns: result.Problems.Count, width: 820);
            foreach (var problem in result.Problems)
                WritePanels(Path.Combine(staging, SamplesFigure(problem.Problem)), SamplePlots(problem).ToArray(), columns: 4);
        });

    // ---------------------------------------------------------------- results.json

    private static object Document(CouplingsResult result, string command, object runtime) => new
    {
        experiment = CouplingsExperiment.Id,
        command,
        wall_seconds = result.WallSeconds,
        seeds = result.Seeds,
        settings = new
        {
            options = result.Options,
            hidden = result.Options.HiddenOrDefault,
            model = CouplingsExperiment.Spec(result.Options),
            optimizer = "Adam (AdamW with weight decay 0), no gradient clipping, linear warm-up then constant learning rate",
            preconditioner_placement = "two-sided transport: S fitted on the source, T on the target, main flow from S(x0) to T(x1), " +
                "samples T^-1(F(S(x0)))",
            solvers = CouplingsExperiment.SolverGrid.Select(s => new { solver = s.Solver, steps = s.Steps, nfe = CouplingsExperiment.Nfe(s.Solver, s.Steps) }),
            straightness = "mean over points of the trapezoid-rule integral over the RK4 trajectory's states of ||v(x_t, t) - (x_1 - x_0)||^2",
            arms = CouplingArm.All.Select(a => new { key = a.Key, coupling = a.Coupling, preconditioner = a.Preconditioner, space = a.Space }),
        },
        problems = result.Problems.Select(p => new
        {
            problem = p.Problem,
            title = p.Title,
            noise_floor_sw2 = p.NoiseFloorSw2,
            noise_floor_sw2_whitened = p.NoiseFloorSw2Whitened,
            arms = p.Arms.Select(a => new
            {
                arm = a.Arm.Key,
                coupling = a.Arm.Coupling,
                preconditioner = a.Arm.Preconditioner,
                space = a.Arm.Space,
                runs = a.Runs,
            }),
        }),
        runtime,
    };

    // ---------------------------------------------------------------- report.md

    private static string Markdown(CouplingsResult result, string command)
    {
        var o = result.Options;
        var md = new StringBuilder();
        md.Append("# What minibatch optimal transport buys, with and without a preconditioner\n\n");
        md.Append(Invariant($"Reproduce with `{command}` ({result.WallSeconds:F0} s wall time, {result.Seeds.Count} seeds: ") +
            Invariant($"{string.Join(", ", result.Seeds)}).\n\n"));
        md.Append("## Setup\n\n");
        md.Append("Three transports between data sets: " + string.Join("; ", result.Problems.Select(p => p.Title)) + ". ");
        md.Append(Invariant($"Every arm trains the same main flow: an MLP {string.Join(" × ", o.HiddenOrDefault)} with SELU and the raw time ") +
            Invariant($"as an extra input (TorchCFM's MLP), Adam at a constant learning rate {o.LearningRate:G3} after a {o.WarmupSteps}-step linear ") +
            Invariant($"warm-up (no weight decay, no clipping), batch {o.BatchSize} on each side, {o.Steps} steps, on {o.TrainCount} training points ") +
            "of each data set. Seed s gives every arm the same data, initial weights and minibatch draws (the Sinkhorn arms also draw " +
            "pairs from the plan with the same generator, so their later minibatches differ).\n\n");
        md.Append("Arms: the coupling — `independent` (pairs as drawn), `ot` (exact minibatch OT on the squared distance: a Hungarian " +
            Invariant($"assignment, every point used once), `sinkhorn` (entropic OT, ε = {o.SinkhornEpsilon:G3}, at most {o.SinkhornIterations} ") +
            Invariant($"iterations or row-marginal L1 error {o.SinkhornTolerance:G2}, pairs drawn from the plan with replacement as TorchCFM) — ") +
            "times the preconditioner — `none`, or `whiten`: each data set whitened by its own affine map (S on the source, T on the " +
            "target) through the library's two-sided transport: the main flow is trained from S(x₀) to T(x₁) and a source point is " +
            "carried by T⁻¹(F(S(x₀))). With whitening the coupling's cost is measured between S(x₀) and T(x₁) (where the flow lives), " +
            "and the arm `ot·whiten·data` measures it between x₀ and x₁ instead (data space).\n\n");
        md.Append(Invariant($"Quality: {o.TestCount} held-out source points carried by each solver setting, against {o.TestCount} ") +
            "held-out target points, by the sliced Wasserstein-2 distance SW₂ (256 projections) in data units and in the held-out " +
            "target's whitened coordinates (where a thin direction counts as much as a wide one). The noise floor is SW₂ between two " +
            "independent target samples of that size. Euler runs 2, 4, 8, 16, 100 steps, RK4 1, 2, 4, 25 steps (4 network " +
            "evaluations each: NFE 4, 8, 16, 100).\n\n");
        md.Append(Invariant($"Straightness (rectified flow's): S = mean over points of ∫₀¹ ‖v(x_t, t) − (x₁ − x₀)‖² dt along the ") +
            Invariant($"RK4 trajectory of {o.StraightnessSteps} steps from {o.StraightnessPoints} held-out source points, x₀ its start and x₁ its ") +
            "end, the integral by the trapezoid rule over the trajectory's states. S = 0 exactly for straight paths run at constant " +
            "speed, where one Euler step is exact. It is given in the flow's coordinates (whitened for the whitening arms) and in the " +
            "target's data units (the integrand mapped by the linear part of T⁻¹), which is comparable across arms.\n\n");

        md.Append("## Findings\n\n");
        foreach (var line in Findings(result))
            md.Append("- ").Append(line).Append('\n');
        md.Append('\n');
        md.Append($"![quality against NFE]({QualityFigure})\n\n");

        foreach (var problem in result.Problems)
        {
            md.Append($"## {problem.Title}\n\n");
            md.Append(Invariant($"Noise floor: SW₂ {MeanStd.Of(problem.NoiseFloorSw2)} (data units), ") +
                Invariant($"{MeanStd.Of(problem.NoiseFloorSw2Whitened)} (whitened).\n\n"));
            md.Append("SW₂ to held-out target points (data units), mean ± std over seeds, by solver and NFE:\n\n");
            md.Append(QualityTable(problem, q => q.Sw2)).Append('\n');
            md.Append("SW₂ in the target's whitened coordinates:\n\n");
            md.Append(QualityTable(problem, q => q.Sw2Whitened)).Append('\n');
            md.Append("Straightness, training time and final loss:\n\n");
            md.Append(StraightnessTable(problem, result.Options)).Append('\n');
            md.Append($"![samples at low NFE]({SamplesFigure(problem.Problem)})\n\n");
        }
        md.Append($"Training loss of every arm (mean over seeds): ![loss]({LossFigure})\n");
        return md.ToString();
    }

    private static string QualityTable(CouplingProblemResult problem, Func<QualityPoint, double> metric)
    {
        var grid = CouplingsExperiment.SolverGrid;
        var table = new MarkdownTable(["arm", .. grid.Select(g => $"{g.Solver} {CouplingsExperiment.Nfe(g.Solver, g.Steps)}")]);
        foreach (var arm in problem.Arms)
            table.Row([arm.Arm.Key, .. grid.Select((_, i) => MeanStd.Of(arm.Runs.Select(r => metric(r.Quality[i])).ToArray()).ToString())]);
        return table.ToString();
    }

    private static string StraightnessTable(CouplingProblemResult problem, CouplingsOptions options)
    {
        var table = new MarkdownTable("arm", "straightness (flow's coordinates)", "straightness (data units)", "training s",
            "ms per step", "final loss");
        foreach (var arm in problem.Arms)
        {
            var train = MeanStd.Of(arm.Runs.Select(r => r.TrainSeconds).ToArray());
            table.Row(arm.Arm.Key,
                MeanStd.Of(arm.Runs.Select(r => r.Straightness).ToArray()).ToString(),
                MeanStd.Of(arm.Runs.Select(r => r.StraightnessData).ToArray()).ToString(),
                train.ToString(),
                Invariant($"{1000 * train.Mean / options.Steps:F1}"),
                MeanStd.Of(arm.Runs.Select(r => r.Loss[^1].Loss).ToArray()).ToString());
        }
        return table.ToString();
    }

    // ---------------------------------------------------------------- findings

    /// <summary>The sentences of the findings: OT against independent at the lowest NFE, Sinkhorn against exact OT, and the
    /// coupling in the whitened space against data space, per problem, with paired differences over seeds.</summary>
    public static IReadOnlyList<string> Findings(CouplingsResult result)
    {
        var lines = new List<string>();
        int euler2 = IndexOf("euler", 2);
        int rk4Last = CouplingsExperiment.SolverGrid.Count - 1;
        int n = result.Seeds.Count;
        lines.Add(Invariant($"How differences are judged: per seed the two arms share data, initial weights and minibatches, so the ") +
            Invariant($"paired difference (B − A) is averaged over the {n} seeds; a difference is called clear when a paired t-test rejects ") +
            (n < 2 ? "equality at the 5 % level, which one seed cannot do: nothing is called clear." :
                Invariant($"equality at the 5 % level (|mean| > {StudentT975(n - 1):G3} standard errors sd/√n for {n} seeds), and within seed noise otherwise. ")) +
            "Few seeds make this test weak: \"within seed noise\" is not evidence of no difference.");
        foreach (var problem in result.Problems)
        {
            string p = $"**{problem.Title}**";
            lines.Add($"{p}, OT vs independent at NFE 2 (Euler, 2 steps): " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => Compare(problem, $"independent·{pre}", $"ot·{pre}", euler2, n, whitened: false))) +
                ". At RK4 NFE 100: " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => Compare(problem, $"independent·{pre}", $"ot·{pre}", rk4Last, n, whitened: false))) +
                ". Straightness (data units): " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => CompareStraightness(problem, $"independent·{pre}", $"ot·{pre}", n))) + ".");
            lines.Add($"{p}, Sinkhorn vs exact OT at NFE 2: " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => Compare(problem, $"ot·{pre}", $"sinkhorn·{pre}", euler2, n, whitened: false))) +
                ". Straightness: " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => CompareStraightness(problem, $"ot·{pre}", $"sinkhorn·{pre}", n))) +
                ". Training time per step: " + string.Join("; ",
                new[] { "none", "whiten" }.Select(pre => Invariant($"{pre}: OT {StepMs(problem, $"ot·{pre}", result.Options):F1} ms, Sinkhorn {StepMs(problem, $"sinkhorn·{pre}", result.Options):F1} ms, independent {StepMs(problem, $"independent·{pre}", result.Options):F1} ms"))) + ".");
            lines.Add($"{p}, exact OT with whitening, cost in data space (A) vs in the whitened space (B) at NFE 2: " +
                Compare(problem, "ot·whiten·data", "ot·whiten", euler2, n, whitened: false) + "; whitened SW₂: " +
                Compare(problem, "ot·whiten·data", "ot·whiten", euler2, n, whitened: true) + "; straightness: " +
                CompareStraightness(problem, "ot·whiten·data", "ot·whiten", n) + ".");
        }
        return lines;
    }

    /// <summary>The two-sided 95 % quantile of Student's t with <paramref name="degrees"/> degrees of freedom (tabulated to 20;
    /// 2.09 beyond, slightly conservative), so that "clear" means a paired t-test rejects equality at the 5 % level.</summary>
    internal static double StudentT975(int degrees)
    {
        double[] table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086];
        return degrees < 1 ? double.PositiveInfinity : degrees <= table.Length ? table[degrees - 1] : 2.09;
    }

    private static int IndexOf(string solver, int steps)
    {
        for (int i = 0; i < CouplingsExperiment.SolverGrid.Count; i++)
            if (CouplingsExperiment.SolverGrid[i] == (solver, steps))
                return i;
        throw new InvalidOperationException($"The solver grid has no {solver} with {steps} steps.");
    }

    private static CouplingArmResult Arm(CouplingProblemResult problem, string key) => problem.Arms.Single(a => a.Arm.Key == key);

    private static double StepMs(CouplingProblemResult problem, string key, CouplingsOptions options) =>
        1000 * Arm(problem, key).Runs.Average(r => r.TrainSeconds) / options.Steps;

    private static string Compare(CouplingProblemResult problem, string a, string b, int setting, int n, bool whitened)
    {
        Func<CouplingRun, double> metric = whitened ? r => r.Quality[setting].Sw2Whitened : r => r.Quality[setting].Sw2;
        return Paired(Arm(problem, a), Arm(problem, b), metric, n, "SW₂");
    }

    private static string CompareStraightness(CouplingProblemResult problem, string a, string b, int n) =>
        Paired(Arm(problem, a), Arm(problem, b), r => r.StraightnessData, n, "S");

    /// <summary>"A → B: SW₂ a → b (paired difference d ± se, k/n seeds lower): verdict".</summary>
    private static string Paired(CouplingArmResult a, CouplingArmResult b, Func<CouplingRun, double> metric, int n, string what)
    {
        var va = a.Runs.Select(metric).ToArray();
        var vb = b.Runs.Select(metric).ToArray();
        var differences = va.Zip(vb, (x, y) => y - x).ToArray();
        var d = MeanStd.Of(differences);
        double standardError = d.Std / Math.Sqrt(n);
        int lower = differences.Count(x => x < 0);
        string verdict = n < 2 || Math.Abs(d.Mean) <= StudentT975(n - 1) * standardError
            ? "within seed noise"
            : d.Mean < 0 ? $"{b.Arm.Key} clearly lower" : $"{b.Arm.Key} clearly higher";
        return Invariant($"{a.Arm.Key} → {b.Arm.Key}: {what} {va.Average():G3} → {vb.Average():G3} ") +
            Invariant($"(paired difference {(d.Mean >= 0 ? "+" : "")}{d.Mean:G2} ± {standardError:G2} s.e., lower in {lower}/{n} seeds): {verdict}");
    }

    // ---------------------------------------------------------------- figures

    private static Plot QualityPlot(CouplingProblemResult problem)
    {
        var plot = Charts.NewPlot($"{problem.Title} (solid: Euler, dashed: RK4)", "network evaluations (NFE, log scale)",
            "SW₂ to held-out target (mean over seeds, log scale)");
        var palette = new ScottPlot.Palettes.Category10();
        for (int a = 0; a < problem.Arms.Count; a++)
        {
            var arm = problem.Arms[a];
            foreach (var solver in new[] { "euler", "rk4" })
            {
                var indices = Enumerable.Range(0, CouplingsExperiment.SolverGrid.Count)
                    .Where(i => CouplingsExperiment.SolverGrid[i].Solver == solver).ToArray();
                var xs = indices.Select(i => Math.Log10(arm.Runs[0].Quality[i].Nfe)).ToArray();
                var ys = indices.Select(i => Math.Log10(Math.Max(1e-12, arm.Runs.Average(r => r.Quality[i].Sw2)))).ToArray();
                var line = plot.Add.ScatterLine(xs, ys);
                line.Color = palette.GetColor(a);
                line.LineWidth = 2;
                line.MarkerSize = 5;
                line.LinePattern = solver == "rk4" ? LinePattern.Dashed : LinePattern.Solid;
                if (solver == "euler")
                    line.LegendText = arm.Arm.Key;
            }
        }
        double[] nfes = [2, 4, 8, 16, 100];
        plot.Axes.Bottom.SetTicks(nfes.Select(Math.Log10).ToArray(), nfes.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray());
        LogTicks(plot.Axes.Left);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Plot LossPlot(CouplingProblemResult problem)
    {
        var plot = Charts.NewPlot($"{problem.Title}: training loss", "step", "loss (mean over seeds, log scale)");
        var palette = new ScottPlot.Palettes.Category10();
        for (int a = 0; a < problem.Arms.Count; a++)
        {
            var arm = problem.Arms[a];
            var first = arm.Runs[0].Loss;
            var xs = first.Select(p => (double)p.Step).ToArray();
            var ys = first.Select((_, i) => Math.Log10(Math.Max(1e-12, arm.Runs.Average(r => r.Loss[i].Loss)))).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.Color = palette.GetColor(a);
            line.MarkerSize = 0;
            line.LegendText = arm.Arm.Key;
        }
        LogTicks(plot.Axes.Left);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static IEnumerable<Plot> SamplePlots(CouplingProblemResult problem)
    {
        var (solver, steps) = CouplingsExperiment.LowNfe;
        foreach (var arm in problem.Arms)
        {
            var plot = Charts.NewPlot($"{arm.Arm.Key}, {solver} NFE {CouplingsExperiment.Nfe(solver, steps)}", "x₁", "x₂");
            var target = plot.Add.Markers(problem.Target.X.ToArray(), problem.Target.Y.ToArray());
            target.MarkerSize = 3;
            target.Color = Colors.Gray.WithAlpha(0.5);
            target.LegendText = "held-out target";
            var samples = problem.LowNfeSamples[arm.Arm.Key];
            var markers = plot.Add.Markers(samples.X.ToArray(), samples.Y.ToArray());
            markers.MarkerSize = 3;
            markers.Color = Colors.OrangeRed.WithAlpha(0.6);
            markers.LegendText = "transported source points";
            plot.Axes.SquareUnits();
            plot.ShowLegend();
            yield return plot;
        }
    }

    private static void LogTicks(IAxis axis) =>
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
        };

    /// <summary>Renders the plots as panels of one PNG, <paramref name="columns"/> per row.</summary>
    private static void WritePanels(string path, IReadOnlyList<Plot> plots, int columns, int width = 640, int height = 560)
    {
        int rows = (plots.Count + columns - 1) / columns;
        using var grid = new SKBitmap(Math.Min(columns, plots.Count) * width, rows * height);
        using (var canvas = new SKCanvas(grid))
        {
            canvas.Clear(SKColors.White);
            for (int i = 0; i < plots.Count; i++)
            {
                using var panel = SKBitmap.Decode(plots[i].GetImageBytes(width, height, ImageFormat.Png));
                canvas.DrawBitmap(panel, i % columns * width, i / columns * height);
            }
        }
        using var image = SKImage.FromBitmap(grid);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.ToArray());
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
