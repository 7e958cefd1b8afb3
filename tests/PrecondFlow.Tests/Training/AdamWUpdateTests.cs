using PrecondFlow.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

/// <summary>
/// The library's AdamW step runs TorchSharp's own update, operation for operation, on the optimizer's own state; only its
/// number operands are held differently. So it must agree with <c>AdamW.step()</c> bit for bit.
/// </summary>
public class AdamWUpdateTests
{
    private static Parameter[] Parameters() => new[]
    {
        new Parameter(randn(4, 3, generator: new Generator(3)), requires_grad: true),
        new Parameter(randn(3, generator: new Generator(4)), requires_grad: true),
        new Parameter(randn(2, generator: new Generator(5)), requires_grad: true),   // never gets a gradient
    };

    [Fact]
    public void TenStepsWithChangingRatesEqualTorchSharpsOwnStepBitForBit()
    {
        var theirs = Parameters();
        var ours = Parameters();
        using var theirOptimizer = optim.AdamW(theirs, lr: 1e-2, weight_decay: 0.05);
        using var ourOptimizer = optim.AdamW(ours, lr: 1e-2, weight_decay: 0.05);
        for (int step = 0; step < 10; step++)
        {
            double rate = 1e-2 * Math.Cos(step / 7.0);   // a new rate every step, as under cosine decay
            foreach (var (optimizer, parameters) in new[] { (theirOptimizer, theirs), (ourOptimizer, ours) })
            {
                using var scope = NewDisposeScope();
                optimizer.ParamGroups.First().LearningRate = rate;
                optimizer.zero_grad();
                (parameters[0].square().sum() * 3 + parameters[1].sin().sum()).backward();
            }
            theirOptimizer.step();
            AdamWUpdate.Step(ourOptimizer);
        }
        for (int i = 0; i < theirs.Length; i++)
            Assert.True(theirs[i].eq(ours[i]).all().item<bool>(), $"parameter {i} differs");
        var theirStates = theirOptimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        var ourStates = ourOptimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        for (int i = 0; i < theirStates.Length; i++)
        {
            Assert.Equal(theirStates[i].step, ourStates[i].step);
            Assert.True(theirStates[i].exp_avg.eq(ourStates[i].exp_avg).all().item<bool>(), $"first moment {i} differs");
            Assert.True(theirStates[i].exp_avg_sq.eq(ourStates[i].exp_avg_sq).all().item<bool>(), $"second moment {i} differs");
        }
        Assert.Equal(0, ourStates[2].step);   // the parameter without a gradient was left alone
    }
}
