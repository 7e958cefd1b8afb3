using System.Text.RegularExpressions;
using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Regimes;
using static TorchSharp.torch;

namespace PrecondFlow.Reporting.Studies;

/// <summary>
/// The paper's scatter figures from a regime's kept samples (<see cref="StudyOptions.KeepFinalSamples"/>): one PNG per
/// baseline or preconditioned arm (compute-matched baselines have their curves, not a figure), the first seed's samples
/// at the last step over the regime's data, as Fig. 2, Fig. 3–5 and Fig. 11 show them.
/// </summary>
public static partial class RegimeFigures
{
    /// <summary>Data points drawn under each arm's samples.</summary>
    public const int DataPoints = 2000;

    /// <summary>The figure's file name for <paramref name="arm"/>, e.g. "samples-source-whiten.png".</summary>
    public static string FileName(string arm) => $"samples-{UnsafeCharacters().Replace(arm, "-").Trim('-')}.png";

    /// <summary>The arms of <paramref name="regime"/> that get a figure: those with kept samples, compute-matched ones aside.</summary>
    public static IReadOnlyList<StudyArm> Drawn(RegimeResult regime) =>
        regime.Study.Arms.Where(a => a.FinalSamples is { Count: > 0 } && a.Kind is ArmKind.Baseline or ArmKind.Preconditioned).ToArray();

    /// <summary>Writes every figure of <paramref name="regime"/> into <paramref name="folder"/>; returns (arm, file) in order.</summary>
    public static IReadOnlyList<(StudyArm Arm, string File)> Write(string folder, RegimeResult regime)
    {
        var written = new List<(StudyArm, string)>();
        var drawn = Drawn(regime);
        if (drawn.Count == 0)
            return written;
        var data = DataSeries(regime);
        string what = regime.Study.TransportsSource ? "transported source points" : "samples";
        foreach (var arm in drawn)
        {
            string file = FileName(arm.Name);
            var samples = PointSeries.FromRows($"{arm.Name}: {what}", arm.FinalSamples!);
            Charts.Scatter(Path.Combine(folder, file), $"{regime.Regime.Id}: {arm.Name} (seed 0, step {arm.Steps[^1]})", [data, samples]);
            written.Add((arm, file));
        }
        return written;
    }

    private static Series DataSeries(RegimeResult regime)
    {
        using var scope = NewDisposeScope();
        var points = regime.Regime.Data.Points.Points;
        var shown = points.slice(0, 0, Math.Min(DataPoints, points.shape[0]), 1);
        return PointSeries.FromPoints("data", shown, DataPoints);
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex UnsafeCharacters();
}
