using PrecondFlow.Couplings;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Couplings;

/// <summary>A labelled source is drawn class by class: each target label gets a source point of its class.</summary>
public class ClassMatchedDrawTests
{
    [Fact]
    public void EachDrawHasItsTargetsClassAndCoversTheClass()
    {
        var sourceLabels = tensor(new long[] { 2, 0, 1, 0, 2, 2, 1, 0, 0 });
        using var draw = new ClassMatchedDraw(sourceLabels, classes: 3);
        using var g = new Generator(1);
        var targets = tensor(Enumerable.Range(0, 3000).Select(i => (long)(i % 3)).ToArray());
        var rows = draw.Draw(targets, g);
        Assert.True(sourceLabels.index_select(0, rows).equal(targets).all().item<bool>());
        // 1000 draws per class over 2–4 rows: every row of a class is drawn (each has probability ≥ 1/4).
        Assert.Equal(9, rows.unique().Item1.shape[0]);
    }

    [Fact]
    public void ATargetClassMissingFromTheSourceIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassMatchedDraw(tensor(new long[] { 0, 0, 2 }), classes: 3));
        Assert.Contains("class 1", error.Message);
    }
}
