using PrecondFlow.Couplings;
using PrecondFlow.Data;
using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>Minibatch couplings in a two-sided transport: the cost between S(x₀) and T(x₁) (the flow's space) or between x₀
/// and x₁ (data space).</summary>
public class TwoSidedTransportCouplingsTests
{
    private static readonly FieldConfig Config = new(Dim: 2, Hidden: [16, 16]);
    private static readonly ModelSpec Spec = new(Config);

    private static PointCloud Source => new EightGaussians().Sample(600, 1) with { Labels = null, NumClasses = 0 };

    // κ = 100 at 30°: whitening changes which pairs are close, so the two spaces pair differently.
    private static PointCloud Target => new ElongatedGaussian(kappa: 100).Sample(600, 2);

    private static float[] TrainedWeights(string preconditioner, CouplingSpace space)
    {
        manual_seed(5);
        var options = new TrainingOptions(Steps: 8, BatchSize: 64, LearningRate: 1e-2, Seed: 3,
            Coupling: new CouplingOptions("ot", Space: space));
        using var transport = TwoSidedTransport.Train(Source, Target, PreconditionerFactory.Create(preconditioner, 2, 0),
            PreconditionerFactory.Create(preconditioner, 2, 0), new MlpVectorField(Config), Spec, options);
        return transport.Trainer.Field.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
    }

    [Fact]
    public void WithoutPreconditionersDataSpaceAndTheFlowsSpaceAreOneSpace()
    {
        Assert.Equal(TrainedWeights("none", CouplingSpace.Flow), TrainedWeights("none", CouplingSpace.Data));
    }

    [Fact]
    public void WithWhiteningTheDataSpaceCostPairsOtherPointsAndTrainsOtherWeights()
    {
        // Same seed, data, initial weights and minibatches: only the pairing can make the weights differ.
        Assert.NotEqual(TrainedWeights("whiten", CouplingSpace.Flow), TrainedWeights("whiten", CouplingSpace.Data));
    }

    [Fact]
    public void ASourceViewOfAnotherSizeIsRejected()
    {
        manual_seed(5);
        using var trainer = new FlowTrainer(new MlpVectorField(Config), Spec,
            new TrainingOptions(Steps: 1, BatchSize: 8, Coupling: new CouplingOptions("ot", Space: CouplingSpace.Data)));
        var source = Source;
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(Target, source: source, couplingView: Target,
            sourceCouplingView: source with { Points = source.Points.slice(0, 0, 10, 1) }));
        Assert.Contains("source", error.Message);
        Assert.Equal("sourceCouplingView", error.ParamName);
    }
}
