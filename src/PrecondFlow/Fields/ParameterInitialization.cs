using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// Draws a module's initial weights from a given <see cref="Generator"/>, with PyTorch's default rules, so that
/// the weights depend on the caller's seed and on nothing else (TorchSharp's constructors draw from libtorch's global
/// generator, and its <c>nn.init.uniform_</c> / <c>normal_</c> ignore their generator argument).
/// </summary>
/// <remarks>
/// <para>Rules: Linear and convolution weights kaiming-uniform with a = √5, i.e. U(±1/√fan_in); their biases
/// U(±1/√fan_in); Embedding N(0, 1); GroupNorm and LayerNorm weight 1, bias 0. Modules are visited depth-first in
/// registration order, weight before bias — the order in which TorchSharp's constructors draw when a network registers
/// its sub-modules in the order it builds them — and the bounds are computed as libtorch computes them. So
/// <c>Reset(module, new Generator(s))</c> gives bit for bit the weights that the constructor alone gives after libtorch's
/// global generator is seeded with s, on the CPU.</para>
/// <para>A network's own parameters (not those of a built-in layer) are its constructor's business and are left as
/// they are; a built-in layer with parameters and no rule here is refused rather than left on the global generator.</para>
/// </remarks>
public static class ParameterInitialization
{
    // PyTorch's default for Linear and Conv: kaiming_uniform_(weight, a = √5), which makes the bound 1/√fan_in.
    private static readonly double KaimingA = Math.Sqrt(5);

    /// <summary>Re-draws every parameter of <paramref name="module"/> and its sub-modules from <paramref name="generator"/>.</summary>
    /// <param name="module">The network, on the device of <paramref name="generator"/> (CPU for a CPU generator).</param>
    /// <param name="generator">Source of every random draw.</param>
    /// <exception cref="NotSupportedException">A built-in layer type with parameters and no rule here.</exception>
    public static void Reset(nn.Module module, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(generator);
        // In-place ops hand back second handles on their tensors: the scope releases them.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Visit(module, generator);
    }

    private static void Visit(nn.Module module, Generator generator)
    {
        switch (module)
        {
            case Linear linear:
                KaimingUniformWithBias(linear.weight, linear.bias, generator);
                break;
            case Convolution convolution:
                KaimingUniformWithBias(convolution.weight, convolution.bias, generator);
                break;
            case Embedding embedding:
                embedding.weight!.normal_(0.0, 1.0, generator);
                break;
            case GroupNorm norm:
                norm.weight?.fill_(1.0);
                norm.bias?.zero_();
                break;
            case LayerNorm norm:
                norm.weight?.fill_(1.0);
                norm.bias?.zero_();
                break;
            default:
                if (module.GetType().Namespace == typeof(Linear).Namespace && module.named_parameters(recurse: false).Any())
                    throw new NotSupportedException(
                        $"No initialisation rule for {module.GetType().Name}: add one to ParameterInitialization before using it in a network.");
                break;
        }
        foreach (var (_, child) in module.named_children())
            Visit(child, generator);
    }

    private static void KaimingUniformWithBias(Tensor weight, Tensor? bias, Generator generator)
    {
        // libtorch's calculate_kaiming_std and kaiming_uniform_, operation for operation, so that the bound is the same double.
        var (fanIn, _) = nn.init.CalculateFanInAndFanOut(weight);
        double gain = Math.Sqrt(2.0 / (1 + Math.Pow(KaimingA, 2)));
        double std = gain / Math.Sqrt(fanIn);
        double bound = Math.Sqrt(3.0) * std;
        weight.uniform_(-bound, bound, generator);
        if (bias is not null && fanIn > 0)
        {
            double biasBound = 1 / Math.Sqrt(fanIn);
            bias.uniform_(-biasBound, biasBound, generator);
        }
    }
}
