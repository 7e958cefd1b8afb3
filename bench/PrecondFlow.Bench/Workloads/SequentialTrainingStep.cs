using PrecondFlow.Data;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// The baseline of <see cref="EnsembleTrainingStep"/>: the same K = 8 members, each trained by its own
/// <see cref="FlowTrainer"/>, one after the other, for the same number of steps. One item is one member's step.
/// </summary>
internal sealed class SequentialTrainingStep : IWorkload
{
    private readonly int stepsPerRepetition;
    private PointCloud? data;
    private FlowTrainer[] trainers = Array.Empty<FlowTrainer>();

    public SequentialTrainingStep(RepetitionPlan plan) => stepsPerRepetition = plan.Quick ? 10 : 50;

    public string Name => "sequential-train-step";

    public string Shape => $"{MainFlow2dShapes.Members} × MLP 2-d, 2×64, batch {MainFlow2dShapes.BatchSize}, one FlowTrainer each, AdamW";

    public string Unit => "member-steps";

    public int ItemsPerRepetition => stepsPerRepetition * MainFlow2dShapes.Members;

    public void Setup(Device device)
    {
        data = MainFlow2dShapes.Data(device);
        trainers = Enumerable.Range(0, MainFlow2dShapes.Members).Select(k =>
        {
            var field = MainFlow2dShapes.InitialMember(k);
            field.to(device);
            return new FlowTrainer(field, MainFlow2dShapes.Model, MainFlow2dShapes.Training(k));
        }).ToArray();
    }

    /// <summary>Forward 2·W and backward 4·W per point of one member, times the batch.</summary>
    public double? FlopsPerItem => trainers.Length == 0 ? null : 6.0 * FlopCounts.MatrixWeights(trainers[0].Field) * MainFlow2dShapes.BatchSize;

    public void Run()
    {
        if (trainers.Length == 0)
            throw new InvalidOperationException("Setup was not called.");
        foreach (var t in trainers)
            t.Train(data!, untilStep: t.Step + stepsPerRepetition);
    }

    public void Dispose()
    {
        foreach (var t in trainers)
        {
            t.Field.Dispose();
            t.Dispose();
        }
        data?.Points.Dispose();
    }
}
