using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Images;

/// <summary>
/// A shrunken quick budget of the Table 3 reproduction in the VAE's spatial latent (MNIST): structure and sanity only — every
/// arm and seed, finite numbers in range, the flow preconditioner's cost charged, a third of the epochs at most, every figure
/// written and linked. <see cref="Table3PixelsTests"/> runs the same checks in pixel space (slow: its preconditioner's ODE
/// and invertibility check run a UNet at 28×28).
/// </summary>
public class Table3ReproductionTests(TinyTable3 runs) : IClassFixture<TinyTable3>
{
    public static TheoryData<string> Spaces => new() { "latent" };

    private (ExperimentResult Result, string Folder) Run(string space) => runs.Latent;

    [Theory]
    [MemberData(nameof(Spaces))]
    public void EveryArmRunsEverySeedWithMetricsInRange(string space)
    {
        var result = Run(space).Result;
        Assert.Equal(Table3Experiment.Arms, result.Arms.Select(a => a.Name));
        foreach (var arm in result.Arms)
        {
            Assert.Equal([0L, 1L], arm.Runs.Select(r => r.Seed));
            foreach (var metric in Table3Experiment.Metrics.Where(m => m != Table3Experiment.PushforwardKappa))
                Assert.All(arm.Values(metric.Key), v => Assert.True(double.IsFinite(v), $"{arm.Name} {metric.Key} = {v}"));
            Assert.All(arm.Values(Table3Experiment.Fid.Key), v => Assert.True(v > -1e-6));
            foreach (var share in new[] { Table3Experiment.Precision, Table3Experiment.Recall, Table3Experiment.Accuracy })
                Assert.All(arm.Values(share.Key), v => Assert.InRange(v, 0, 1));
            Assert.All(arm.Values(Table3Experiment.PushforwardKappa.Key), v => Assert.True(v >= 1, $"{arm.Name} κ = {v}"));
            Assert.All(arm.Values(Table3Experiment.PushforwardKappa.Key), v => Assert.True(double.IsFinite(v), $"{arm.Name} κ = {v}"));
        }
    }

    [Theory]
    [MemberData(nameof(Spaces))]
    public void TheFlowPreconditionerIsTheMainFlowsUNetTrainedForAThirdOfItsStepsAtMostAndItsCostIsCharged(string space)
    {
        var result = Run(space).Result;
        var setup = Assert.IsType<Table3Setup>(result.Options);
        var flow = result.Arm("flow");
        Assert.Equal(setup.UNetParameters, flow.PreconditionerParameters);
        Assert.Equal(0, result.Arm("none").PreconditionerParameters);
        Assert.All(flow.Runs, r => Assert.True(r.Times.PreconditionerSeconds > 0, "the preconditioner's training is timed"));
        Assert.All(result.Arm("none").Runs, r => Assert.Equal(0, r.Times.PreconditionerSeconds, 2));
        var options = setup.Options.Flow;
        int main = options.Training(setup.TrainImages, 0).Steps;
        int preconditioner = options.Preconditioner(setup.Shape, 10, setup.TrainImages).Steps;
        Assert.True(preconditioner <= Math.Ceiling(main / 3.0), $"{preconditioner} preconditioner steps against {main} main-flow steps");
    }

    [Fact]
    public void TheLatentRunLivesInTheVaesFourByEightByEightGrid()
    {
        Assert.Equal([4, 8, 8], Assert.IsType<Table3Setup>(runs.Latent.Result.Options).Shape);
        Assert.Contains(runs.Latent.Result.References!, r => r.Key == "fid_vae_reconstructions");
    }

    [Theory]
    [MemberData(nameof(Spaces))]
    public void TheReportStatesThePapersOrderingAndLinksEveryFigure(string space)
    {
        var (result, folder) = Run(space);
        var report = File.ReadAllText(Path.Combine(folder, ExperimentReport.ReportFile));
        Assert.Contains("The paper's ordering FID(flow preconditioner) < FID(none)", report);
        Assert.Contains("matching-point operator", report);
        foreach (var figure in new[] { "samples-none.png", "samples-flow.png", "samples-class-whiten.png", "kappa.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder, figure)), figure);
            Assert.Contains($"({figure})", report);
        }
        Assert.True(File.Exists(Path.Combine(folder, ExperimentReport.ResultsFile)));
    }
}

/// <summary>The pixel-space run of table3 at the shrunken quick budget (minutes: slow category).</summary>
public class Table3PixelsTests(TinyTable3Pixels runs) : IClassFixture<TinyTable3Pixels>
{
    [Fact, Trait("Category", "Slow")]
    public void ThePixelRunLivesInTheImageAndItsPreconditionersRemoveTheSingularCovariance()
    {
        var result = runs.Pixels.Result;
        Assert.Equal([1, 28, 28], Assert.IsType<Table3Setup>(result.Options).Shape);
        Assert.DoesNotContain(result.References!, r => r.Key == "fid_vae_reconstructions");
        foreach (var arm in result.Arms.Where(a => a.Name != "none"))
            Assert.All(arm.Values(Table3Experiment.PushforwardKappa.Key), v => Assert.True(double.IsFinite(v), $"{arm.Name} κ = {v}"));
        foreach (var arm in result.Arms)
            Assert.All(arm.Values(Table3Experiment.Fid.Key), v => Assert.True(double.IsFinite(v) && v > -1e-6));
    }
}

/// <summary>Runs table3 in the pixels of Fashion-MNIST at the shrunken quick budget; deletes the folder afterwards.</summary>
public sealed class TinyTable3Pixels : IDisposable
{
    public TinyTable3Pixels() => Pixels = TinyTable3.Run(Root, "fashion-mnist", "pixels");

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-table3-pixels-{Guid.NewGuid():N}");

    public (ExperimentResult Result, string Folder) Pixels { get; }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// Runs table3 with the quick budget shrunk further (300 training images, one epoch of a 16-channel UNet) in the latent space of
/// MNIST; deletes the folder afterwards. Needs the data packages that .ci/run installs.
/// </summary>
public sealed class TinyTable3 : IDisposable
{
    public TinyTable3() => Latent = Run(Root, "mnist", "latent");

    internal static (ExperimentResult Result, string Folder) Run(string root, string dataset, string space)
    {
        var folder = Path.Combine(root, space);
        var places = ImageDatasets.StandardLocations(dataset, [AppContext.BaseDirectory]);
        var settings = new Table3Reproduction.Settings(dataset, space, SeedCount: 2, Budget: ImageBudget.Quick, DataLocations: places,
            CacheDir: Path.Combine(root, "cache"));
        var quick = Table3Options.For(dataset, ImageBudget.Quick, space);
        var options = quick with { TrainLimit = 300, TestLimit = 100, GridColumns = 2, Flow = quick.Flow with { Epochs = 1 } };
        ExperimentResult result;
        using (TestSetup.EveryCore())
            result = Table3Reproduction.Run(settings, CPU, options: options);
        ExperimentReport.Write(folder, result, Table3Reproduction.Command(settings),
            Table3Reproduction.Runtime(RuntimeInfo.Collect(CPU), ompNumThreads: null, settings));
        return (result, folder);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"precondflow-table3-{Guid.NewGuid():N}");

    public (ExperimentResult Result, string Folder) Latent { get; }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}
