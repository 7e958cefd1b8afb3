using PrecondFlow.Reporting;

namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>The figures and configuration entries that several experiments share.</summary>
internal static class Plots
{
    /// <summary>The main flow's loss, mean over seeds, one line per arm (log scale).</summary>
    public static Figure LossFigure(IReadOnlyList<ArmResult> arms, string caption)
    {
        var series = arms.Select(a => Line(a.Label, a.MeanLoss())).ToArray();
        return new LineFigure("loss.png", caption,
            "Training loss of the main flow (mean over seeds)", "step", "loss (log scale)", series, LogY: true);
    }

    /// <summary>A curve measured during training, mean over seeds, one line per arm (log scale).</summary>
    public static Figure CurveFigure(string file, IReadOnlyList<ArmResult> arms, string curve, string title, string yLabel, string caption)
    {
        var series = arms.Select(a => Line(a.Label, a.MeanCurve(curve))).ToArray();
        return new LineFigure(file, caption, title, "step", yLabel, series, LogY: true);
    }

    private static Series Line(string name, IReadOnlyList<CurvePoint> points) =>
        new(name, points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Value).ToArray());
}
