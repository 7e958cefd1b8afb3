using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning.Internal;

/// <summary>
/// One affine coupling layer of RealNVP: the kept half x_a passes unchanged, the other half becomes
/// x_b·exp(s) + t with (s, t) = MLP(x_a[, one-hot y]) and log|det| = Σ s. The halves are contiguous: the first
/// ⌊d/2⌋ coordinates and the rest; which of them is transformed is fixed at construction.
/// </summary>
internal sealed class AffineCoupling : nn.Module
{
    private readonly Sequential net;
    private readonly Linear output;
    private readonly Linear[] hiddenLayers;
    private readonly int keptStart, keptLength, changedStart, changedLength;
    private readonly double scaleBound;

    /// <param name="name">Module name.</param>
    /// <param name="dim">Dimension d ≥ 2.</param>
    /// <param name="transformFirstHalf">True: the first ⌊d/2⌋ coordinates change, conditioned on the rest; false: the
    /// reverse.</param>
    /// <param name="hidden">Hidden units per layer.</param>
    /// <param name="hiddenLayerCount">Hidden layers (ReLU).</param>
    /// <param name="numClasses">Classes for the one-hot label input; 0 for none.</param>
    /// <param name="scaleBound">B of the soft clamp s = B·tanh(raw / B).</param>
    /// <param name="dtype">Parameter dtype.</param>
    public AffineCoupling(string name, int dim, bool transformFirstHalf, int hidden, int hiddenLayerCount, int numClasses,
        double scaleBound, ScalarType dtype) : base(name)
    {
        var half = dim / 2;
        (keptStart, keptLength, changedStart, changedLength) = transformFirstHalf
            ? (half, dim - half, 0, half)
            : (0, half, half, dim - half);
        TransformsFirstHalf = transformFirstHalf;
        this.scaleBound = scaleBound;
        hiddenLayers = new Linear[hiddenLayerCount];
        var layers = new List<nn.Module<Tensor, Tensor>>();
        var width = keptLength + numClasses;
        for (var i = 0; i < hiddenLayerCount; i++)
        {
            hiddenLayers[i] = nn.Linear(width, hidden, dtype: dtype);
            layers.Add(hiddenLayers[i]);
            layers.Add(nn.ReLU());
            width = hidden;
        }
        output = nn.Linear(width, 2 * changedLength, dtype: dtype);
        layers.Add(output);
        net = nn.Sequential(layers.ToArray());
        RegisterComponents();
    }

    /// <summary>Whether the first ⌊d/2⌋ coordinates are the transformed ones.</summary>
    public bool TransformsFirstHalf { get; }

    /// <summary>Seeded initialisation: hidden layers uniform in ±1/√fan_in (PyTorch's default bound), output layer zero,
    /// so that the coupling starts as the identity.</summary>
    public void Initialise(Generator generator)
    {
        // Some in-place ops hand back a second handle on their tensor: the scope releases those handles.
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var layer in hiddenLayers)
        {
            var bound = 1 / Math.Sqrt(layer.in_features);
            layer.weight.uniform_(-bound, bound, generator);
            layer.bias!.uniform_(-bound, bound, generator);
        }
        output.weight.zero_();
        output.bias!.zero_();
    }

    /// <summary>y = coupling(x).</summary>
    /// <param name="x">(batch, d).</param>
    /// <param name="oneHot">(batch, K) one-hot labels in x's dtype, or null.</param>
    /// <returns>Y: (batch, d); LogAbsDet: (batch).</returns>
    public (Tensor Y, Tensor LogAbsDet) Forward(Tensor x, Tensor? oneHot)
    {
        var kept = x.narrow(1, keptStart, keptLength);
        var (s, t) = ScaleAndShift(kept, oneHot);
        var changed = x.narrow(1, changedStart, changedLength) * s.exp() + t;
        return (Assemble(kept, changed), s.sum(1));
    }

    /// <summary>x = coupling⁻¹(y), exact: the kept half is unchanged, so (s, t) are recomputed from it.</summary>
    public Tensor Inverse(Tensor y, Tensor? oneHot)
    {
        var kept = y.narrow(1, keptStart, keptLength);
        var (s, t) = ScaleAndShift(kept, oneHot);
        var changed = (y.narrow(1, changedStart, changedLength) - t) * (-s).exp();
        return Assemble(kept, changed);
    }

    private (Tensor S, Tensor T) ScaleAndShift(Tensor kept, Tensor? oneHot)
    {
        var input = oneHot is null ? kept : torch.cat([kept, oneHot], 1);
        var raw = net.call(input).chunk(2, 1);
        // Soft clamp: identity near 0, |s| < B always, smooth (unlike a hard clamp, the gradient never vanishes abruptly).
        var s = scaleBound * (raw[0] / scaleBound).tanh();
        return (s, raw[1]);
    }

    private Tensor Assemble(Tensor kept, Tensor changed) =>
        TransformsFirstHalf ? torch.cat([changed, kept], 1) : torch.cat([kept, changed], 1);
}
