using PrecondFlow.Fields;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

public class ExponentialMovingAverageTests
{
    private static readonly FieldConfig Linear = new(Kind: "linear", Dim: 2, TimeKnots: 3);

    private static void Fill(VectorField field, double value)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var p in field.parameters())
            p.fill_(value);
    }

    private static double Mean(VectorField field)
    {
        using var scope = NewDisposeScope();
        return cat(field.parameters().Select(p => p.detach().flatten().to(float64)).ToArray()).mean().item<double>();
    }

    [Fact]
    public void AfterFiveHundredUpdatesLessThanOnePercentOfTheInitialWeightsRemain()
    {
        // The weights move away from their initial value a = 1 to b = 0 at once and stay there; the average is then
        // share·a + (1 − share)·b = share. Without warm-up, share = 0.999⁵⁰⁰ = 0.61.
        using var field = new LinearVectorField(Linear);
        Fill(field, 1.0);
        using var ema = new ExponentialMovingAverage(field, 0.999);
        Fill(field, 0.0);
        for (int i = 0; i < 500; i++)
            ema.Update();
        Assert.Equal(500, ema.Updates);
        Assert.InRange(Mean(ema.Average), 0.0, 0.01);
    }

    [Fact]
    public void TheFirstUpdatesFollowTheWarmUpClosedForm()
    {
        // θ_ema after update n: d_n·θ_ema + (1 − d_n)·θ with d_n = min(decay, (1 + n)/(10 + n)); float32 weights, so 1e-6.
        using var field = new LinearVectorField(Linear);
        Fill(field, 2.0);
        using var ema = new ExponentialMovingAverage(field, 0.5);
        Fill(field, -1.0);
        double expected = 2.0;
        var decays = new[] { 0.1, 2.0 / 11, 3.0 / 12, 4.0 / 13, 5.0 / 14, 6.0 / 15, 7.0 / 16, 8.0 / 17, 9.0 / 18, 0.5, 0.5 };
        for (int n = 0; n < decays.Length; n++)
        {
            Assert.Equal(decays[n], ema.DecayAt(n), 15);
            ema.Update();
            expected = decays[n] * expected + (1 - decays[n]) * -1.0;
            Assert.Equal(expected, Mean(ema.Average), 1e-6);
        }
    }
}
