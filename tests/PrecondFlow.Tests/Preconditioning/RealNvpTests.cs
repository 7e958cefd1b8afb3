using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

public class RealNvpTests
{
    /// <summary>N(0, R diag(1, 0.01) Rᵀ) with R a rotation by 30°: κ = 100, principal axes off the coordinate axes.</summary>
    private static PointCloud ElongatedGaussian(long n, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var angle = Math.PI / 6;
        var rotation = torch.tensor(new[] { Math.Cos(angle), -Math.Sin(angle), Math.Sin(angle), Math.Cos(angle) },
            [2, 2], ScalarType.Float64);
        var scales = torch.tensor(new[] { 1.0, 0.1 }, dtype: ScalarType.Float64);
        var x = (torch.randn(n, 2, dtype: ScalarType.Float64, generator: generator) * scales).mm(rotation.T);
        return new PointCloud(x.to(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    [Fact]
    public void TrainingOnAnElongatedGaussianMakesItsCovarianceWellConditioned()
    {
        var data = ElongatedGaussian(4000, seed: 31);
        using var scope = torch.NewDisposeScope();
        var before = PreconditionerCases.ConditionNumber(PreconditionerCases.Covariance(data.Points));
        Assert.InRange(before, 80, 125);   // κ = 100 up to the sampling error of 4000 points
        // The paper's 6 couplings with narrower MLPs (64 instead of 256) and 100 steps keep the test near a second;
        // κ reaches about 1.05 with these settings.
        var options = new RealNvpOptions(Hidden: 64, Steps: 100, BatchSize: 256, LearningRate: 5e-3, LogEvery: 25);
        using var p = new RealNvp(2, options);
        var report = p.Train(data);
        var (z, _) = p.Forward(data.Points);
        var after = PreconditionerCases.ConditionNumber(PreconditionerCases.Covariance(z));
        Assert.True(after < 1.5, $"κ(Cov P(x)) = {after:f3} (was {before:f1})");
        Assert.True(report.Passed);
        // Negative log-likelihood per sample: the identity map scores ½E‖x‖² + log 2π ≈ 2.34, the exact Gaussian
        // ½ log det(2πeΣ) ≈ 0.54; one batch of 256 points adds noise of about 0.06.
        Assert.InRange(report.FinalLoss!.Value, 0.3, 0.8);
    }

    [Fact]
    public void DefaultsBuildThePapersArchitectureStartingAtTheIdentity()
    {
        using var p = new RealNvp(64);
        Assert.Equal((6, 256, 2), (p.Options.Couplings, p.Options.Hidden, p.Options.HiddenLayers));
        // Per coupling: (32 → 256) + (256 → 256) + (256 → 2·32), weights and biases.
        const long perCoupling = (32 * 256 + 256) + (256 * 256 + 256) + (256 * 64 + 64);
        Assert.Equal(6 * perCoupling, p.ParameterCount);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(16, 64, generator: new Generator(32));
        var (z, logDet) = p.Forward(x);
        // Zero-initialised output layers: s = t = 0 exactly, and x·exp(0) + 0 = x in floating point too.
        Assert.True(PreconditionerCases.Identical(z, x));
        Assert.True(PreconditionerCases.Identical(logDet, torch.zeros(16)));
    }

    [Fact]
    public void WorksIn64Dimensions()
    {
        var data = PreconditionerCases.LabelledGaussians(1000, 64, seed: 33);
        using var p = new RealNvp(64, PreconditionerCases.QuickRealNvp with { Steps = 20 });
        var report = p.Fit(data, seed: 3);
        Assert.True(report.Passed);
        using var scope = torch.NewDisposeScope();
        var (z, _) = p.Forward(data.Points);
        Assert.True(PreconditionerCases.RelativeError(z, data.Points) > 1e-3, "training must have changed the map");
        // float64 evaluation of an exact inverse: rounding only.
        Assert.True(PreconditionerCases.RelativeError(p.Inverse(z), data.Points) < 1e-10);
    }

    [Fact]
    public void TrainingLeavesNoTensorsBehind()
    {
        var data = PreconditionerCases.LabelledGaussians(600, 3, seed: 40);
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp with { Steps = 5 });
        p.Fit(data);
        var statistics = DisposeScopeManager.Statistics;
        var afterFirst = statistics.ThreadTotalLiveCount;
        p.Train(data, p.Options with { Steps = 5 });
        var afterShort = statistics.ThreadTotalLiveCount;
        p.Train(data, p.Options with { Steps = 40 });
        var afterLong = statistics.ThreadTotalLiveCount;
        Assert.Equal(afterFirst, afterShort);   // retraining replaces the network, it does not add one
        Assert.Equal(afterShort, afterLong);    // a per-step leak would grow with the number of steps
    }

    [Fact]
    public void OneDimensionalDataAreRejectedWithAHint()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RealNvp(1));
        Assert.Contains("no second half", e.Message);
        Assert.Contains("whiten", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(PreconditionerCases.NumClasses)]
    public void EveryParameterReceivesAGradient(int numClasses)
    {
        var data = PreconditionerCases.LabelledGaussians(1000, 3, seed: 34);
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp with { Steps = 10 }, numClasses);
        // A few steps first: with the output layers at zero, the layers below them get no gradient yet.
        p.Fit(data);
        using var scope = torch.NewDisposeScope();
        foreach (var (_, parameter) in p.NamedParameters)
            parameter.grad?.zero_();
        var labels = numClasses > 0 ? data.Labels : null;
        p.NegativeLogLikelihood(data.Points.to(ScalarType.Float32), labels).backward();
        var parameters = p.NamedParameters.ToList();
        Assert.Equal(4 * 3 * 2, parameters.Count);   // 4 couplings × 3 linear layers × (weight, bias)
        foreach (var (name, parameter) in parameters)
        {
            Assert.NotNull(parameter.grad);
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name} received no gradient");
        }
        if (numClasses > 0)   // the one-hot columns of the first layers must be used too
        {
            var (name, first) = parameters.First(np => np.Name.EndsWith("weight"));
            Assert.True(first.grad!.narrow(1, first.shape[1] - numClasses, numClasses).abs().sum().item<float>() > 0, name);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameMapAndAnotherSeedAnotherMap()
    {
        var data = PreconditionerCases.LabelledGaussians(600, 3, seed: 35);
        var options = PreconditionerCases.QuickRealNvp with { Steps = 15 };
        using var a = new RealNvp(3, options);
        using var b = new RealNvp(3, options);
        using var c = new RealNvp(3, options);
        a.Fit(data, seed: 5);
        b.Fit(data, seed: 5);
        c.Fit(data, seed: 6);
        using var scope = torch.NewDisposeScope();
        var za = a.Forward(data.Points).Z;
        Assert.True(PreconditionerCases.Identical(za, b.Forward(data.Points).Z), "same seed, same map, bit for bit");
        Assert.False(PreconditionerCases.Identical(za, c.Forward(data.Points).Z));
        Assert.Equal(5, a.Options.Seed);
    }

    [Fact]
    public void TheLossIsReadBackEveryLogEveryStepsAndAtTheEnd()
    {
        var data = PreconditionerCases.LabelledGaussians(600, 3, seed: 36);
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp with { Steps = 25, LogEvery = 10 });
        var reports = new List<PreconditionerProgress>();
        var report = p.Fit(data, progress: new SynchronousProgress(reports.Add));
        Assert.Equal(new[] { 10, 20, 25 }, report.LossTrace.Select(l => l.Step));
        Assert.Equal(new long[] { 10, 20, 25 }, reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(25, r.TotalSteps));
        Assert.Equal(report.LossTrace[^1].Loss, report.FinalLoss);
    }

    [Fact]
    public void EpochsOverrideStepsAndDropTheLastIncompleteBatch()
    {
        var data = PreconditionerCases.LabelledGaussians(1000, 3, seed: 37);
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp with { Epochs = 2, BatchSize = 300, Steps = 999 });
        var report = p.Fit(data);
        Assert.Equal(2 * (1000 / 300), report.LossTrace[^1].Step);
    }

    [Fact]
    public void AMapThatFailsItsInvertibilityCheckIsReportedAndRefused()
    {
        var data = PreconditionerCases.LabelledGaussians(600, 3, seed: 38);
        // float32 round trips err by ~1e-7: a threshold of 1e-12 cannot be met, so the check must fail.
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp with { Steps = 10, InvertibilityThreshold = 1e-12 });
        var report = p.Fit(data);
        Assert.False(report.Passed);
        Assert.NotNull(report.Invertibility);
        Assert.True(report.Invertibility!.MaxRelativeError > 1e-12);
        Assert.Contains(report.Notes, n => n.Contains("invertibility check failed"));
        Assert.Same(report.Invertibility, p.FailedInvertibilityCheck);
        var e = Assert.Throws<InvalidOperationException>(() => p.Forward(data.Points));
        Assert.Contains("failed its invertibility check", e.Message);
        Assert.Throws<InvalidOperationException>(() => p.Inverse(data.Points));
        Assert.Throws<InvalidOperationException>(() => p.Save(Path.GetTempPath()));
    }

    [Fact]
    public void ADivergingTrainingThrowsAndLeavesTheMapUnusable()
    {
        // Finite float32 inputs of size 1e25 whose squares (1e50) overflow: the likelihood is infinite at once.
        using var x = torch.randn(300, 2, generator: new Generator(44)) * 1e25f;
        using var p = new RealNvp(2, PreconditionerCases.QuickRealNvp with { Steps = 5, LogEvery = 1 });
        var e = Assert.Throws<InvalidOperationException>(() => p.Fit(new PointCloud(x)));
        Assert.Contains("diverged", e.Message);
        Assert.Contains("learning rate", e.Message);
        Assert.False(p.IsFitted);
        var refused = Assert.Throws<InvalidOperationException>(() => p.Forward(x));
        Assert.Contains("not usable", refused.Message);
    }

    [Fact]
    public void ConditionalTrainingNeedsLabels()
    {
        var data = PreconditionerCases.LabelledGaussians(100, 3, seed: 39);
        using var p = new RealNvp(3, PreconditionerCases.QuickRealNvp, numClasses: 3);
        var e = Assert.Throws<ArgumentException>(() => p.Fit(data with { Labels = null }));
        Assert.Contains("pass labels", e.Message);
    }

    [Theory]
    [InlineData(nameof(RealNvpOptions.Couplings))]
    [InlineData(nameof(RealNvpOptions.Hidden))]
    [InlineData(nameof(RealNvpOptions.ScaleBound))]
    [InlineData(nameof(RealNvpOptions.LearningRate))]
    [InlineData(nameof(RealNvpOptions.BatchSize))]
    [InlineData(nameof(RealNvpOptions.LogEvery))]
    public void InvalidOptionsNameTheSetting(string setting)
    {
        var options = setting switch
        {
            nameof(RealNvpOptions.Couplings) => new RealNvpOptions(Couplings: 0),
            nameof(RealNvpOptions.Hidden) => new RealNvpOptions(Hidden: 0),
            nameof(RealNvpOptions.ScaleBound) => new RealNvpOptions(ScaleBound: double.PositiveInfinity),
            nameof(RealNvpOptions.LearningRate) => new RealNvpOptions(LearningRate: -1),
            nameof(RealNvpOptions.BatchSize) => new RealNvpOptions(BatchSize: 0),
            _ => new RealNvpOptions(LogEvery: 0),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(setting, e.ParamName);
    }

    [Fact]
    public void EveryCouplingTransformsTheCoordinatesThePreviousOneKept()
    {
        // d = 2 with a swap between couplings: positional alternation would transform the same coordinate twice.
        var layout = PrecondFlow.Preconditioning.Internal.RealNvpNetwork.Layout([[1, 0], [0, 1], [1, 0]], 2);
        Assert.Equal(new[] { false, false, true, true }, layout);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order and before Fit returns.</summary>
    private sealed class SynchronousProgress(Action<PreconditionerProgress> report) : IProgress<PreconditionerProgress>
    {
        public void Report(PreconditionerProgress value) => report(value);
    }
}
