using PrecondFlow.Data.Toy;
using PrecondFlow.Fields;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Training;

namespace PrecondFlow.Tests.Pipeline;

/// <summary>Saving a model writes the model and nothing made for people: pictures are the caller's (the command line adds
/// loss.png through the extra callback).</summary>
public class ModelSaveTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "precondflow-save-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static PreconditionedModel Trained()
    {
        var data = ToyDatasets.Create("moons", 300, seed: 4);
        var config = new FieldConfig(Dim: 2, Hidden: new[] { 8 });
        return PreconditionedModel.Train(data, new AffineWhitening(2), new MlpVectorField(config), new ModelSpec(config),
            new TrainingOptions(Steps: 5, BatchSize: 16));
    }

    [Fact]
    public void SavingAModelDrawsNoPicture()
    {
        using var model = Trained();
        model.Save(folder, new { note = "run configuration" });

        Assert.Empty(Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(folder, PreconditionedModel.RunFile)));
    }

    [Fact]
    public void WhatTheExtraCallbackWritesLandsInTheFolder()
    {
        using var model = Trained();
        model.Save(folder, extra: staging => File.WriteAllText(Path.Combine(staging, "loss.png"), "drawn by the caller"));

        Assert.Equal("drawn by the caller", File.ReadAllText(Path.Combine(folder, "loss.png")));
    }
}
