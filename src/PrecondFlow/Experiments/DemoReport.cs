using PrecondFlow.IO;
using PrecondFlow.Reporting;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments;

/// <summary>Writes the demo's folder: samples.png, loss.png, flow-lines.png and results.json (atomically).</summary>
public static class DemoReport
{
    public static void Write(string folder, DemoResult result, object runtime)
    {
        AtomicFile.WriteFolder(folder, staging =>
        {
            Charts.Scatter(Path.Combine(staging, "samples.png"), $"{result.Options.Dataset}: held-out data and flow-matching samples",
                new[] { PointSeries.FromPoints("held-out data", result.HeldOut), PointSeries.FromPoints("samples", result.Samples) });
            ModelFolder.WriteLossChart(Path.Combine(staging, "loss.png"), ("flow matching", result.LossTrace));
            if (result.Trajectory.Count > 1)
                Charts.Trajectories(Path.Combine(staging, "flow-lines.png"), "Flow lines from N(0, I) (t = 0) to the data (t = 1)",
                    PointSeries.Trajectories(result.Trajectory, 300));
            Json.WriteFile(Path.Combine(staging, "results.json"), new
            {
                dataset = result.Options.Dataset,
                seed = result.Options.Seed,
                device = result.Device,
                train_seconds = result.TrainSeconds,
                sample_seconds = result.SampleSeconds,
                nfe = result.FunctionEvaluations,
                sliced_wasserstein = result.SlicedWasserstein,
                mmd = result.Mmd,
                final_loss = result.LossTrace[^1].Loss,
                metrics = new
                {
                    sliced_wasserstein = "sliced Wasserstein-2 distance between the samples and held-out data",
                    mmd = "unbiased MMD² with Gaussian kernels around the median heuristic",
                },
                configuration = new { demo = result.Options, model = result.Model, training = result.Training },
                runtime,
            });
        });
    }
}
