using PrecondFlow.Fields;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// Sampling 10 000 labelled points through the Table-4 field with RK4 at 100 steps (400 network evaluations of a
/// 10 000-point batch), via <see cref="GenerativeModel.VelocityDynamics"/> and <see cref="OdeSolvers"/>, under
/// no_grad. The weights are the seeded initial ones: the cost does not depend on their values.
/// </summary>
internal sealed class FlowSampling : IWorkload
{
    private MlpVectorField? field;
    private GenerativeModel? model;
    private Tensor? start;
    private Tensor? labels;
    private readonly IOdeSolver solver = OdeSolvers.Create("rk4", PaperShapes.SolverSteps);

    public string Name => "flow-sample-rk4";

    public string Shape => $"{PaperShapes.SamplePoints} points, RK4 × {PaperShapes.SolverSteps} steps, Table-4 MLP";

    public string Unit => "samples";

    public int ItemsPerRepetition => PaperShapes.SamplePoints;

    public void Setup(Device device)
    {
        manual_seed(PaperShapes.Seed);
        field = new MlpVectorField(PaperShapes.Field);
        field.to(device);
        field.eval();
        model = new GenerativeModel(field, PaperShapes.Model);
        using var generator = new Generator((ulong)PaperShapes.Seed + 2, device);
        start = randn(new long[] { PaperShapes.SamplePoints, PaperShapes.Dim }, device: device, generator: generator);
        labels = arange(PaperShapes.SamplePoints, dtype: ScalarType.Int64, device: device) % PaperShapes.Classes;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dynamics = model!.VelocityDynamics(labels);
        solver.Integrate(dynamics, start!, 0.0, 1.0);
    }

    public void Dispose()
    {
        field?.Dispose();
        start?.Dispose();
        labels?.Dispose();
    }
}
