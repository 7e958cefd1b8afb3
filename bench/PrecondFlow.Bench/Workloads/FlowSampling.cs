using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// Sampling 10 000 labelled points (every class equally often) through the Table-4 field with RK4 at 100 steps, i.e.
/// 400 network evaluations of a 10 000-point batch, through the library's <see cref="Sampler"/> (base noise, then
/// <see cref="GenerativeModel.VelocityDynamics"/> integrated by <c>OdeSolvers.Create("rk4", 100)</c> under no_grad).
/// The weights are the seeded initial ones: the cost does not depend on their values.
/// </summary>
internal sealed class FlowSampling : IWorkload
{
    private static readonly SamplingOptions Options = new(Method: SamplingMethod.Ode, Solver: "rk4", Steps: PaperShapes.SolverSteps);
    private MlpVectorField? field;
    private GenerativeModel? model;
    private Tensor? labels;
    private Device device = CPU;

    public string Name => "flow-sample-rk4";

    public string Shape => $"{PaperShapes.SamplePoints} points, RK4 × {PaperShapes.SolverSteps} steps, Table-4 MLP";

    public string Unit => "samples";

    public int ItemsPerRepetition => PaperShapes.SamplePoints;

    public void Setup(Device device)
    {
        this.device = device;
        manual_seed(PaperShapes.Seed);
        field = new MlpVectorField(PaperShapes.Field);
        field.to(device);
        field.eval();
        model = new GenerativeModel(field, PaperShapes.Model);
        labels = Sampler.BalancedLabels(PaperShapes.SamplePoints, PaperShapes.Classes, device);
    }

    /// <summary>RK4: 4 network evaluations per step of 2·W each (W: the MLP's weight multiply-adds), per sample.</summary>
    public double? FlopsPerItem => this.field is null ? null : 4.0 * PaperShapes.SolverSteps * 2 * FlopCounts.MatrixWeights(this.field);

    public void Run()
    {
        using var scope = NewDisposeScope();
        Sampler.Sample(model!, PaperShapes.SamplePoints, Options, PaperShapes.Seed + 2, device, labels);
    }

    public void Dispose()
    {
        field?.Dispose();
        labels?.Dispose();
    }
}
