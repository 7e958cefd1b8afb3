using PrecondFlow.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

public class GradientClippingTests
{
    /// <summary>Parameters whose gradients are exactly <paramref name="gradients"/>: the gradient of Σ p·g is g.</summary>
    private static Parameter[] WithGradients(params double[][] gradients)
    {
        var parameters = gradients.Select(g => new Parameter(zeros(g.Length, dtype: float64))).ToArray();
        using var scope = NewDisposeScope();
        var loss = parameters.Zip(gradients, (p, g) => (p * tensor(g)).sum()).Aggregate((a, b) => a + b);
        loss.backward();
        return parameters;
    }

    private static double[] Gradient(Parameter p) => p.grad!.data<double>().ToArray();

    [Fact]
    public void ALargeGradientIsScaledToTheMaxNormAcrossAllParameters()
    {
        // Global norm √(3² + 4² + 12²) = 13; clipping to 6.5 halves every component, whichever tensor holds it.
        var parameters = WithGradients([3, 4], [12]);
        GradientClipping.ClipByGlobalNorm(parameters, maxNorm: 6.5);
        // The scale is 6.5 / (13 + 1e-6): the guard against a zero norm shifts it by 1e-7 relative.
        Assert.Equal([1.5, 2.0], Gradient(parameters[0]), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(6.0, Gradient(parameters[1])[0], 6);
        var norm = Math.Sqrt(parameters.SelectMany(Gradient).Sum(g => g * g));
        Assert.Equal(6.5, norm, 6);
    }

    [Fact]
    public void AGradientBelowTheMaxNormIsLeftExactlyAsItWas()
    {
        // Norm 5 < 10: the scale is clamped to exactly 1, so every bit is kept.
        var parameters = WithGradients([3, -4]);
        GradientClipping.ClipByGlobalNorm(parameters, maxNorm: 10);
        Assert.Equal([3.0, -4.0], Gradient(parameters[0]));
    }

    [Fact]
    public void ParametersWithoutAGradientAreSkippedAndNoGradientsIsANoOp()
    {
        var withGradient = WithGradients([0, 10]);
        var without = new Parameter(ones(3, dtype: float64));
        GradientClipping.ClipByGlobalNorm([without, .. withGradient], maxNorm: 1);
        Assert.Null(without.grad);
        Assert.Equal(1.0, Gradient(withGradient[0])[1], 6);
        GradientClipping.ClipByGlobalNorm([without], maxNorm: 1);
        Assert.Null(without.grad);
    }
}
