using PrecondFlow.Experiments.Studies;
using PrecondFlow.Experiments.Studies.Internal;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;

namespace PrecondFlow.Tests.Experiments.Studies;

/// <summary>The compute-matched baselines are sized from counts alone, as the report says.</summary>
public class ComputeMatchingTests
{
    [Fact]
    public void ARealNvpCostsItsStepsTimesBatchTimesParameters()
    {
        var options = new RealNvpOptions(Couplings: 2, Hidden: 8, Steps: 300, BatchSize: 128);
        using var realNvp = new RealNvp(2, options);
        var (steps, flops) = ComputeMatching.PreconditionerCost(realNvp, trainingPoints: 10_000);
        Assert.Equal(300, steps);
        Assert.Equal(300.0 * 128 * realNvp.ParameterCount, flops);
    }

    [Fact]
    public void AClosedFormMapCostsNothingAndAChainSumsItsTrainedMembers()
    {
        using var whiten = new AffineWhitening(2);
        Assert.Equal((0L, 0.0), ComputeMatching.PreconditionerCost(whiten, 1000));
        using var chain = (PreconditionerChain)PreconditionerFactory.Create("whiten+realnvp", 2, 0,
            new PreconditionerSettings(RealNvp: new RealNvpOptions(Couplings: 2, Hidden: 8, Steps: 100, BatchSize: 64)));
        var realNvp = chain.Members[1];
        Assert.Equal((100L, 100.0 * 64 * realNvp.ParameterCount), ComputeMatching.PreconditionerCost(chain, 1000));
    }

    [Fact]
    public void TheWiderNetworkIsTheNarrowestWithAtLeastTheTargetParameters()
    {
        var config = new FieldConfig(Dim: 2, Hidden: [16, 16]);
        long target = ComputeMatching.Parameters(config) + 5_000;
        var (hidden, parameters) = ComputeMatching.Wider(config, target);
        Assert.Equal(2, hidden.Length);
        Assert.Equal(hidden[0], hidden[1]);
        Assert.True(parameters >= target, $"{parameters} parameters, target {target}");
        Assert.True(ComputeMatching.Parameters(config with { Hidden = [hidden[0] - 1, hidden[0] - 1] }) < target,
            $"width {hidden[0] - 1} would already have reached {target}");
        Assert.Equal(parameters, ComputeMatching.Parameters(config with { Hidden = hidden }));
    }
}
