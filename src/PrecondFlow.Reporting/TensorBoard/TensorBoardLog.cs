using System.Globalization;
using PrecondFlow.Diagnostics;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using TorchSharp;
using TorchSharp.Modules;

namespace PrecondFlow.Reporting.TensorBoard;

/// <summary>
/// Training curves as a TensorBoard event file, written through TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>
/// (view with <c>tensorboard --logdir DIR</c>). As a progress receiver it records, per logging window of the main flow,
/// <c>main-flow/loss</c> (raw window means) and <c>main-flow/loss_ema</c> (their moving average), <c>main-flow/learning_rate</c>
/// and <c>main-flow/gradient_norm</c> (mean global norm before
/// clipping) at the window's step; <see cref="Preconditioner"/> records a learned preconditioner's loss as
/// <c>preconditioner/KIND/loss</c>; <see cref="Conditioning"/> records κ(Cov x_t) snapshots and their eigenvalues; and
/// <see cref="Scatter"/> a 2D point cloud as an image. Each event is appended and flushed as it is reported.
/// </summary>
public sealed class TensorBoardLog : IProgress<TrainingProgress>
{
    private readonly SummaryWriter writer;
    private readonly string prefix;

    /// <summary>Opens a new event file in <paramref name="folder"/> (created if missing).</summary>
    /// <param name="folder">The log directory, e.g. runs/exp1; several runs can share a parent folder.</param>
    /// <param name="prefix">The tag prefix of the main flow's curves.</param>
    public TensorBoardLog(string folder, string prefix = "main-flow")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        writer = torch.utils.tensorboard.SummaryWriter(folder);
        this.prefix = prefix;
    }

    /// <summary>The folder holding the event file.</summary>
    public string Folder => writer.LogDir;

    /// <summary>Weight of the newest window in <c>loss_ema</c>: about the last 1/α = 10 windows count.</summary>
    public const double LossEmaWeight = 0.1;

    private double lossEma = double.NaN;

    /// <summary>Records the main flow's loss (each window's mean as <c>loss</c>, and an exponential moving average of
    /// those means as <c>loss_ema</c>, the steadier curve to judge a plateau by), learning rate and gradient norm (the last
    /// two when known) at the window's step.</summary>
    public void Report(TrainingProgress value)
    {
        Scalar($"{prefix}/loss", value.Loss, value.Step);
        if (double.IsFinite(value.Loss))
        {
            lossEma = double.IsNaN(lossEma) ? value.Loss : LossEmaWeight * value.Loss + (1 - LossEmaWeight) * lossEma;
            Scalar($"{prefix}/loss_ema", lossEma, value.Step);
        }
        if (double.IsFinite(value.LearningRate))
            Scalar($"{prefix}/learning_rate", value.LearningRate, value.Step);
        if (double.IsFinite(value.GradientNorm))
            Scalar($"{prefix}/gradient_norm", value.GradientNorm, value.Step);
    }

    /// <summary>A receiver of a learned preconditioner's training progress that records its loss.</summary>
    public IProgress<PreconditionerProgress> Preconditioner =>
        new Progress(p => Scalar($"preconditioner/{p.Name}/loss", p.Loss, checked((int)p.Step)));

    /// <summary>Records one value of a curve.</summary>
    /// <param name="tag">The curve's name, with '/' grouping curves in TensorBoard.</param>
    /// <param name="value">The value (stored as float32, as TensorBoard does).</param>
    /// <param name="step">The x coordinate: the optimizer step.</param>
    public void Scalar(string tag, double value, int step) =>
        // TensorBoard's wall time is in seconds since the Unix epoch (SummaryWriter would otherwise write 0).
        writer.add_scalar(tag, (float)value, step, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>Records an image from a PNG (or JPEG) file, shown under TensorBoard's Images tab.</summary>
    /// <param name="tag">The image's name.</param>
    /// <param name="file">The encoded image; its bytes are stored as they are.</param>
    /// <param name="step">The x coordinate: the optimizer step.</param>
    public void Image(string tag, string file, int step) =>
        writer.add_img(tag, file, step, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>Records a 2D scatter plot of <paramref name="points"/> (the first two coordinates of each row) as an image.</summary>
    /// <param name="tag">The image's name.</param>
    /// <param name="points">One row per point; rows with one coordinate are drawn at height 0.</param>
    /// <param name="step">The x coordinate: the optimizer step.</param>
    /// <param name="title">The plot's title.</param>
    public void Scatter(string tag, IReadOnlyList<double[]> points, int step, string title)
    {
        var file = Path.Combine(Path.GetTempPath(), $"precondflow-tensorboard-{Guid.NewGuid():N}.png");
        try
        {
            var series = PointSeries.FromRows("samples", points);
            Charts.Scatter(file, title, [series], width: ScatterSize, height: ScatterSize);
            Image(tag, file, step);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Side of a scatter image in pixels: small, as TensorBoard shows many of them side by side.</summary>
    public const int ScatterSize = 480;

    /// <summary>Records a histogram of <paramref name="values"/> (TensorBoard's Histograms and Distributions tabs).</summary>
    public void Histogram(string tag, IReadOnlyList<double> values, int step)
    {
        using var tensor = torch.tensor(values.ToArray(), torch.ScalarType.Float64);
        writer.add_histogram(tag, tensor, step, walltime: DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    /// <summary>The times of the κ(t) snapshots <see cref="Conditioning"/> records.</summary>
    public static IReadOnlyList<double> KappaTimes { get; } = [0.25, 0.5, 0.75, 1.0];

    /// <summary>Records a conditioning profile at <paramref name="step"/>: κ(Cov x_t) as <c>kappa/t=0.50</c> and the
    /// eigenvalues of Cov(x_t) as the histogram <c>eigenvalues/t=0.50</c>, one pair per time of the profile.</summary>
    public void Conditioning(ConditioningProfile profile, int step)
    {
        for (int i = 0; i < profile.Times.Count; i++)
        {
            var t = profile.Times[i].ToString("F2", CultureInfo.InvariantCulture);
            Scalar($"kappa/t={t}", profile.Kappa[i], step);
            Histogram($"eigenvalues/t={t}", profile.Eigenvalues[i], step);
        }
    }

    private sealed class Progress(Action<PreconditionerProgress> report) : IProgress<PreconditionerProgress>
    {
        public void Report(PreconditionerProgress value) => report(value);
    }
}
