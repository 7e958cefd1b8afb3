using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

public class TrainingLoopTests
{
    private static TorchSharp.Modules.Parameter NewParameter() => new(zeros(3), requires_grad: true);

    [Fact]
    public void EachWindowReportsTheMeanOfItsStepsAndTheLastWindowMayBeShorter()
    {
        using var w = NewParameter();
        using var loop = new TrainingLoop(new[] { w }, new LearningRateSchedule(1e-3, 12), logEvery: 5);
        var windows = new List<LossWindow>();
        // Loss of step s: s + 0·Σw, and a second logged term 2s.
        loop.Run(0, 12, s => new StepLoss(w.sum() * 0 + s, stack(new[] { w.sum() * 0 + s, w.sum() * 0 + 2 * s })),
            onWindow: windows.Add);
        Assert.Equal(new[] { 5, 10, 12 }, windows.Select(x => x.Step));
        Assert.Equal(new[] { 2.0, 7.0, 10.5 }, windows.Select(x => x.Loss));
        Assert.Equal(new[] { 4.0, 14.0, 21.0 }, windows.Select(x => x.Means[1]));
    }

    [Fact]
    public void EveryStepRunsAtTheRateOfTheSchedule()
    {
        using var w = NewParameter();
        var schedule = new LearningRateSchedule(0.5, 20, WarmupSteps: 4, FloorFraction: 0.1);
        using var loop = new TrainingLoop(new[] { w }, schedule);
        var rates = new List<double>();
        loop.Run(3, 20, s => new StepLoss(w.sum()), afterStep: _ => rates.Add(loop.Optimizer.ParamGroups.First().LearningRate));
        Assert.Equal(Enumerable.Range(3, 17).Select(schedule.At), rates);
    }

    [Fact]
    public void ANonFiniteLossNamesTheStepAndTheCallersHint()
    {
        using var w = NewParameter();
        using var loop = new TrainingLoop(new[] { w }, new LearningRateSchedule(1e-3, 50), logEvery: 4)
        {
            Subject = "test model's",
            DivergenceHint = "try a smaller step.",
        };
        var error = Assert.Throws<InvalidOperationException>(() =>
            loop.Run(0, 50, s => new StepLoss(w.sum() + (s == 6 ? double.NaN : 0.0))));
        Assert.Equal("The test model's loss became NaN at step 8: try a smaller step.", error.Message);
    }

    [Fact]
    public void CancellationStopsBeforeTheNextStep()
    {
        using var w = NewParameter();
        using var loop = new TrainingLoop(new[] { w }, new LearningRateSchedule(1e-3, 10));
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        Assert.Throws<OperationCanceledException>(() => loop.Run(0, 10, s => new StepLoss(w.sum()),
            afterStep: done => { steps = done; if (done == 3) cancel.Cancel(); }, cancellation: cancel.Token));
        Assert.Equal(3, steps);
    }

    [Fact]
    public void GradientsAreClippedToTheGlobalNormBeforeTheStep()
    {
        // Loss 100·Σw has gradient 100 per entry, global norm 173.2; the optimizer must see it scaled to norm 1.
        using var w = NewParameter();
        using var loop = new TrainingLoop(new[] { w }, new LearningRateSchedule(1e-3, 1), gradientClip: 1.0);
        double norm = 0;
        loop.Run(0, 1, s => new StepLoss(100 * w.sum()), afterStep: _ => norm = w.grad!.norm().item<float>());
        Assert.Equal(1.0, norm, 5); // scale 1/(173.2 + 1e-6): float32 rounding only
    }
}
