using System.Globalization;
using System.Text;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Experiments.TwoD.Internal;
using PrecondFlow.IO;

namespace PrecondFlow.Reporting.Studies;

/// <summary>
/// Writes a convergence study's folder atomically: <c>study.json</c> (every number, per arm, metric, seed and step,
/// with the full configuration), <c>curves.png</c> (each metric against steps) and <c>report.md</c> (final metrics,
/// speed-up over the baseline, plateau test, learning-rate grid, compute-matched baselines, wall time).
/// </summary>
public static class StudyReport
{
    public const string ResultsFile = "study.json";
    public const string CurvesFile = "curves.png";
    public const string ReportFile = "report.md";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes the folder; a failure leaves no partial folder.</summary>
    /// <param name="command">The command line that reproduces the run.</param>
    /// <param name="configuration">What the caller knows beyond the options (data source, runtime), kept in settings.</param>
    public static void Write(string folder, StudyResult result, string command, object? configuration = null) =>
        AtomicFile.WriteFolder(folder, staging =>
        {
            StudyCharts.WriteCurves(Path.Combine(staging, CurvesFile), result);
            Json.WriteFile(Path.Combine(staging, ResultsFile), Document(result, command, configuration));
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFile), Markdown(result, command));
        });

    private static object Document(StudyResult result, string command, object? configuration)
    {
        var o = result.Options;
        return new
        {
            settings = new
            {
                command,
                data = result.DataDescription,
                split = new { train = result.Counts.Train, validation = result.Counts.Validation, test = result.Counts.Test,
                    validation_fraction = o.ValidationFraction, test_fraction = o.TestFraction },
                arms = o.ArmSpecs,
                steps = o.Steps,
                evaluation_steps = o.EvaluationSteps,
                seeds = o.Seeds,
                learning_rate_grid = o.LearningRateGrid,
                search_fraction = o.SearchFraction,
                search_steps = o.SearchSteps,
                warmup_steps = o.WarmupSteps,
                schedule = o.CosineDecay ? "cosine decay to 0 after warm-up" : "constant after warm-up",
                ema_decay = o.EmaDecay,
                hidden = o.HiddenWidths,
                activation = o.Activation,
                batch_size = o.BatchSize,
                sampler = new { solver = "rk4", steps = o.SolverSteps },
                samples = o.Samples,
                sampling_seed = $"{ConvergenceStudy.SamplingSeed} + seed",
                metric_samples = o.MetricSamples,
                projections = o.Projections,
                mmd_bandwidths = result.MmdBandwidths,
                mmd_bandwidth_rule = "median pairwise distance of the first seed's test split × {1/4, 1, 4}, fixed for the whole study",
                compute_matched = o.ComputeMatched,
                batched_seeds = o.BatchedSeeds,
                compute_cost_rule = "preconditioner cost = Σ over its trained members of steps × batch × parameters; extra main-flow steps = ⌈cost / (batch × main-flow parameters)⌉",
                preconditioners = o.PreconditionerSettings,
                plateau_threshold = ConvergenceAnalysis.DefaultPlateauThreshold,
                configuration,
            },
            metrics = result.Metrics.Select(m => new { key = m.Key, direction = m.Direction, error = m.ErrorDescription, description = m.Description, in_summary = m.InSummary }),
            learning_rates = result.Trials,
            compute_matches = result.ComputeMatches,
            arms = result.Arms.Select(a => new
            {
                name = a.Name,
                kind = a.Kind,
                preconditioner = a.Preconditioner,
                description = a.Description,
                lr = a.LearningRate,
                steps = a.Steps,
                metrics = a.Metrics,
                preconditioner_seconds = a.PreconditionerSeconds,
                train_seconds = a.TrainSeconds,
                preconditioner_parameters = a.PreconditionerParameters,
                main_flow_parameters = a.MainFlowParameters,
                main_flow_hidden = a.MainFlowHidden,
                compute_matched_to = a.ComputeMatchedTo,
            }),
            speed_up = StudyAnalysis.SpeedUps(result).Select(s => new { arm = s.Arm, metric = s.Metric, step = s.SpeedUp.Step, ratio = s.SpeedUp.Ratio }),
            plateau = StudyAnalysis.Plateaus(result).Select(p => new { arm = p.Arm, metric = p.Metric, from_step = p.Plateau.FromStep, to_step = p.Plateau.ToStep,
                relative_improvement = p.Plateau.RelativeImprovement, plateau = p.Plateau.IsPlateau }),
            transports_source = result.TransportsSource,
            wall_seconds = result.WallSeconds,
        };
    }

    private static string Markdown(StudyResult result, string command)
    {
        var o = result.Options;
        var baseline = result.Baseline;
        var md = new StringBuilder();
        md.Append($"# Convergence study: {result.DataDescription}\n\n");
        md.Append(string.Create(Invariant,
            $"Arms: {string.Join(", ", result.Arms.Select(a => a.Name))}. Every arm trains the same main flow (MLP {string.Join("-", o.HiddenWidths)}, {o.Activation}, " +
            $"batch {o.BatchSize}) for {o.Steps} steps ({(o.CosineDecay ? "cosine decay" : "constant learning rate")} after {o.WarmupSteps} warm-up steps" +
            $"{(o.EmaDecay is { } ema ? $", EMA {ema:G3}" : "")}), at its own learning rate chosen on a validation split, over {o.Seeds} paired seeds " +
            $"(same split, initial weights, minibatches and sampling noise in every arm). At steps {string.Join(", ", o.EvaluationSteps)} each arm draws " +
            $"{o.Samples} samples{(result.TransportsSource ? ", held-out source points carried through the source map S, the main flow" : " through P⁻¹")} " +
            $"(RK4, {o.SolverSteps} steps){(result.TransportsSource ? " and T⁻¹," : "")} and compares them with the test split " +
            $"({result.Counts.Test} points; train {result.Counts.Train}, validation {result.Counts.Validation}).\n\n"));
        md.Append($"Command: `{command}`\n\n");

        md.Append("## What the numbers say\n\n");
        foreach (var line in Findings(result))
            md.Append("- ").Append(line).Append('\n');
        md.Append('\n');

        md.Append($"## Final metrics (mean ± std over {o.Seeds} seeds, at each arm's last step)\n\n");
        var final = new MarkdownTable(new[] { "arm", "steps" }.Concat(result.Metrics.Select(m => m.Key)).ToArray());
        foreach (var arm in result.Arms)
            final.Row(new[] { arm.Name, arm.Steps[^1].ToString(Invariant) }
                .Concat(result.Metrics.Select(m => Final(arm, m.Key).ToString())).ToArray());
        md.Append(final).Append('\n');
        md.Append("Which values are better:\n\n");
        foreach (var metric in result.Metrics)
            md.Append($"- **{metric.Key}**: {metric.Description}; {metric.ErrorDescription}.\n");
        md.Append('\n');

        md.Append("## Speed-up: steps to reach the baseline's final value\n\n");
        md.Append(string.Create(Invariant,
            $"For each arm and key metric: the first step at which the arm's mean error curve (mean over seeds of the error defined above) " +
            $"reaches the baseline's final mean error (at {baseline.Steps[^1]} steps), interpolated linearly in log(steps) between evaluation " +
            $"points; the ratio is that step over the baseline's {baseline.Steps[^1]} steps (below 1: faster). \"not reached\" means the arm's " +
            $"curve never gets there within its steps. A value at the first evaluation point means \"at or before\" that point.\n\n"));
        var speedUps = StudyAnalysis.SpeedUps(result);
        var speedTable = new MarkdownTable(new[] { "arm" }.Concat(StudyAnalysis.KeyMetrics(result).Select(m => m.Key)).ToArray());
        foreach (var arm in result.Arms.Where(a => a != baseline))
            speedTable.Row(new[] { arm.Name }.Concat(StudyAnalysis.KeyMetrics(result).Select(m =>
                Describe(speedUps.First(s => s.Arm == arm.Name && s.Metric == m.Key).SpeedUp))).ToArray());
        md.Append(speedTable).Append('\n');

        md.Append("## Plateau test\n\n");
        md.Append(string.Create(Invariant,
            $"Relative improvement of the mean error over the last doubling of steps, (e(s/2) − e(s)) / e(s/2); below " +
            $"{ConvergenceAnalysis.DefaultPlateauThreshold:P0} the curve is called a plateau (a negative value: the error grew). Where an " +
            $"error is already near its sampling noise (MMD² near 0, recall near 1) the relative change is mostly noise: read those " +
            $"verdicts with the per-seed bands of the curves.\n\n"));
        var plateaus = StudyAnalysis.Plateaus(result);
        var plateauTable = new MarkdownTable(new[] { "arm" }.Concat(StudyAnalysis.KeyMetrics(result).Select(m => m.Key)).ToArray());
        foreach (var arm in result.Arms)
            plateauTable.Row(new[] { arm.Name }.Concat(StudyAnalysis.KeyMetrics(result).Select(m =>
                plateaus.Where(p => p.Arm == arm.Name && p.Metric == m.Key).Select(p => Describe(p.Plateau)).FirstOrDefault() ?? "—")).ToArray());
        md.Append(plateauTable).Append('\n');

        md.Append("## Learning rates\n\n");
        md.Append(string.Create(Invariant,
            $"Each arm's rate is the one with the lowest flow-matching loss on the validation split, in the arm's own space (P(x)), with a " +
            $"fixed seeded set of (t, x₀) draws, after {o.SearchSteps} steps ({o.SearchFraction:P0} of the budget) on the first seed. " +
            $"Compute-matched \"more steps\" arms use the baseline's rate (same network, same data).\n\n"));
        var grid = new MarkdownTable(new[] { "arm" }.Concat(o.LearningRateGrid.Select(r => r.ToString("G3", Invariant))).Append("chosen").ToArray());
        foreach (var arm in result.Arms.Where(a => result.Trials.Any(t => t.Arm == a.Name)))
            grid.Row(new[] { arm.Name }
                .Concat(o.LearningRateGrid.Select(r => result.Trials.First(t => t.Arm == arm.Name && t.LearningRate == r).ValidationLoss.ToString("G4", Invariant)))
                .Append(arm.LearningRate.ToString("G3", Invariant)).ToArray());
        md.Append(grid).Append('\n');

        if (result.ComputeMatches.Count > 0)
        {
            md.Append("## Compute-matched baselines\n\n");
            md.Append("A preconditioner's training is counted in FLOP-equivalents: Σ over its trained members of steps × batch × parameters " +
                "(forward and backward cost per point and parameter taken equal in both networks); one main-flow step costs batch × " +
                "parameters. \"none+steps(P)\" trains the baseline for that many extra steps; \"none-wider(P)\" widens the baseline's hidden " +
                "layers until it has at least as many parameters as P and the main flow together. The count is deterministic: two runs " +
                "give the same table.\n\n");
            var cm = new MarkdownTable("preconditioner", "its training steps", "FLOP-equivalents", "extra main-flow steps",
                "P + main flow parameters", "wider widths", "wider parameters");
            foreach (var m in result.ComputeMatches)
                cm.Row(m.Arm, m.PreconditionerTrainingSteps.ToString(Invariant), m.PreconditionerFlops.ToString("G3", Invariant),
                    m.ExtraSteps.ToString(Invariant), m.TargetParameters.ToString(Invariant), string.Join("-", m.WiderHidden),
                    m.WiderParameters.ToString(Invariant));
            md.Append(cm).Append('\n');
        }

        md.Append("## Wall time (seconds per seed, mean ± std)\n\n");
        var time = new MarkdownTable("arm", "preconditioner (fit + transform)", "main flow", "total with P", "total without P", "P parameters", "main-flow parameters");
        foreach (var arm in result.Arms)
            time.Row(arm.Name, MeanStd.Of(arm.PreconditionerSeconds).ToString(), MeanStd.Of(arm.TrainSeconds).ToString(),
                MeanStd.Of(arm.PreconditionerSeconds.Zip(arm.TrainSeconds, (p, t) => p + t).ToArray()).ToString(),
                MeanStd.Of(arm.TrainSeconds).ToString(), arm.PreconditionerParameters.ToString(Invariant), arm.MainFlowParameters.ToString(Invariant));
        md.Append(time).Append('\n');
        md.Append(string.Create(Invariant, $"Evaluation is excluded from these times. The whole study took {result.WallSeconds:F0} s.\n\n"));

        md.Append("## Curves\n\n");
        md.Append($"![Each metric against main-flow steps (log axis): mean over seeds, band from the smallest to the largest seed]({CurvesFile})\n\n");
        md.Append($"Each panel: one metric against main-flow steps (log axis); the line is the mean over seeds, the band spans the smallest to the " +
            $"largest seed's value. Ratios whose ideal is 1 are drawn as log₁₀. Every number is in [{ResultsFile}]({ResultsFile}).\n");
        return md.ToString();
    }

    /// <summary>One sentence per preconditioned arm and key metric, generated from the numbers.</summary>
    public static IReadOnlyList<string> Findings(StudyResult result)
    {
        var lines = new List<string>();
        var baseline = result.Baseline;
        var speedUps = StudyAnalysis.SpeedUps(result);
        foreach (var arm in result.Arms.Where(a => a != baseline))
        {
            var reached = speedUps.Where(s => s.Arm == arm.Name && s.SpeedUp.Reached).ToArray();
            var missed = speedUps.Where(s => s.Arm == arm.Name && !s.SpeedUp.Reached).Select(s => s.Metric).ToArray();
            var parts = new List<string>();
            if (reached.Length > 0)
                parts.Add("reaches the baseline's final " + string.Join(", ", reached.Select(s => string.Create(Invariant,
                    $"{s.Metric} at {s.SpeedUp.Step:F0} steps ({s.SpeedUp.Ratio:P0} of the baseline's)"))));
            if (missed.Length > 0)
                parts.Add("does not reach the baseline's final " + string.Join(", ", missed));
            lines.Add($"**{arm.Name}** {string.Join("; ", parts)}.");
        }
        var plateaus = StudyAnalysis.Plateaus(result).Where(p => p.Plateau.IsPlateau).GroupBy(p => p.Arm)
            .Select(g => $"{g.Key} ({string.Join(", ", g.Select(p => p.Metric))})").ToArray();
        lines.Add(plateaus.Length > 0
            ? string.Create(Invariant, $"Plateaus (< {ConvergenceAnalysis.DefaultPlateauThreshold:P0} improvement over the last doubling): {string.Join("; ", plateaus)}.")
            : "No arm's key metric has plateaued: every one still improves by at least " +
              string.Create(Invariant, $"{ConvergenceAnalysis.DefaultPlateauThreshold:P0} over the last doubling of steps."));
        return lines;
    }

    /// <summary>An arm's final value of a metric over the seeds (finite values only; Count 0 when there are none).</summary>
    internal static MeanStd Final(StudyArm arm, string key)
    {
        var values = arm.Metrics[key].Select(s => s[^1]).Where(double.IsFinite).ToArray();
        return values.Length > 0 ? MeanStd.Of(values) : new MeanStd(double.NaN, double.NaN, 0);
    }

    private static string Describe(SpeedUp s) => s.Reached
        ? string.Create(Invariant, $"{s.Step:F0} (×{s.Ratio:G2})")
        : "not reached";

    private static string Describe(Plateau p) => string.Create(Invariant,
        $"{p.RelativeImprovement:P1} ({p.FromStep}→{p.ToStep}){(p.IsPlateau ? " **plateau**" : "")}");
}
