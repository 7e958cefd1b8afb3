using PrecondFlow.Training;

namespace PrecondFlow.Reporting;

/// <summary>The loss curve of one or more training runs as a PNG: <c>loss.png</c> of a model folder or of the demo.</summary>
public static class LossChart
{
    /// <summary>The chart's file name inside a model folder.</summary>
    public const string File = "loss.png";

    /// <summary>Loss against step for one or more runs, log-scaled.</summary>
    /// <param name="path">The PNG to write (atomically).</param>
    /// <param name="runs">Per run: its legend name and its loss trace (one point per logging window).</param>
    public static void Write(string path, params (string Name, IReadOnlyList<LossPoint> Trace)[] runs) =>
        Charts.Lines(path, "Training loss", "step", "loss (mean over the logging window)",
            runs.Select(r => new Series(r.Name, r.Trace.Select(p => (double)p.Step).ToArray(), r.Trace.Select(p => p.Loss).ToArray())),
            logY: true);
}
