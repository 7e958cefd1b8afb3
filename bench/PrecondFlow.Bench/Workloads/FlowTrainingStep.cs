using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// Flow-matching training steps of the Table-4 model through the library's own <see cref="FlowTrainer"/>:
/// minibatch draw, path sample, forward, backward, on-device clipping, AdamW; the loss is read back once per
/// 50 steps, as in real training.
/// </summary>
internal sealed class FlowTrainingStep : IWorkload
{
    private readonly int stepsPerRepetition;
    private PointCloud? data;
    private FlowTrainer? trainer;

    public FlowTrainingStep(RepetitionPlan plan) => stepsPerRepetition = plan.Quick ? 10 : 50;

    public string Name => "flow-train-step";

    public string Shape => $"MLP {PaperShapes.Dim}-d, 2×128, {PaperShapes.Classes} classes, batch {PaperShapes.BatchSize}, AdamW";

    public string Unit => "steps";

    public int ItemsPerRepetition => stepsPerRepetition;

    public void Setup(Device device)
    {
        data = PaperShapes.Data(device);
        manual_seed(PaperShapes.Seed);
        var field = new MlpVectorField(PaperShapes.Field);
        field.to(device);
        trainer = new FlowTrainer(field, PaperShapes.Model, PaperShapes.Training(steps: int.MaxValue));
    }

    /// <summary>Forward 2·W and backward 4·W per point (W: the multiply-adds of the MLP's weight matrices), times the batch.</summary>
    public double? FlopsPerItem => trainer is null ? null : 6.0 * FlopCounts.MatrixWeights(trainer.Field) * PaperShapes.BatchSize;

    public void Run()
    {
        var t = trainer ?? throw new InvalidOperationException("Setup was not called.");
        t.Train(data!, untilStep: t.Step + stepsPerRepetition);
    }

    public void Dispose()
    {
        if (trainer is not null)
        {
            trainer.Field.Dispose();
            trainer.Dispose();
        }
        data?.Points.Dispose();
        data?.Labels?.Dispose();
    }
}
