using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Bench.Workloads;

/// <summary>
/// K = 8 members of the 2-D main flow trained together by <see cref="EnsembleTrainer"/>: one minibatch per member from
/// its own generator, stacked, one batched forward and backward (baddbmm), per-member clipping and the stacked AdamW;
/// losses read back every 50 steps. One item is one member's step; compare with <see cref="SequentialTrainingStep"/>.
/// </summary>
internal sealed class EnsembleTrainingStep : IWorkload
{
    private readonly int stepsPerRepetition;
    private PointCloud? data;
    private EnsembleMlpField? field;
    private EnsembleTrainer? trainer;
    private long weightsPerMember;

    public EnsembleTrainingStep(RepetitionPlan plan) => stepsPerRepetition = plan.Quick ? 10 : 50;

    public string Name => "ensemble-train-step";

    public string Shape => $"{MainFlow2dShapes.Members} × MLP 2-d, 2×64, batch {MainFlow2dShapes.BatchSize}, stacked (baddbmm), AdamW";

    public string Unit => "member-steps";

    public int ItemsPerRepetition => stepsPerRepetition * MainFlow2dShapes.Members;

    public void Setup(Device device)
    {
        data = MainFlow2dShapes.Data(device);
        var members = Enumerable.Range(0, MainFlow2dShapes.Members).Select(MainFlow2dShapes.InitialMember).ToArray();
        foreach (var m in members)
            m.to(device);
        weightsPerMember = FlopCounts.MatrixWeights(members[0]);
        field = EnsembleMlpField.FromMembers(members);
        foreach (var m in members)
            m.Dispose();
        trainer = new EnsembleTrainer(field, MainFlow2dShapes.Model,
            Enumerable.Range(0, MainFlow2dShapes.Members).Select(MainFlow2dShapes.Training).ToArray());
    }

    /// <summary>Forward 2·W and backward 4·W per point of one member, times the batch.</summary>
    public double? FlopsPerItem => trainer is null ? null : 6.0 * weightsPerMember * MainFlow2dShapes.BatchSize;

    public void Run()
    {
        var t = trainer ?? throw new InvalidOperationException("Setup was not called.");
        t.Train(new[] { data! }, untilStep: t.Step + stepsPerRepetition);
    }

    public void Dispose()
    {
        trainer?.Dispose();
        field?.Dispose();
        data?.Points.Dispose();
    }
}
