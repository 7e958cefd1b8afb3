using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Preconditioning.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>The baseline: z = x, log-det 0. Training through it is training without preconditioning.</summary>
public sealed class IdentityPreconditioner : IFittablePreconditioner
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "identity";

    /// <param name="dim">Dimension of the data, at least 1.</param>
    public IdentityPreconditioner(int dim)
    {
        if (dim < 1)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The identity map needs a data dimension of at least 1.");
        Dim = dim;
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>False: the identity ignores labels.</summary>
    public bool IsConditional => false;

    /// <inheritdoc/>
    public int Dim { get; }

    /// <summary>0: the identity is unconditional.</summary>
    public int NumClasses => 0;

    /// <summary>0: the identity has nothing fitted.</summary>
    public long ParameterCount => 0;

    /// <summary>True: the log-det is exactly 0.</summary>
    public bool HasExactLogDet => true;

    /// <summary>True: there is nothing to fit.</summary>
    public bool IsFitted => true;

    /// <summary>Nothing to fit: checks the dimension and returns an empty report.</summary>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Inputs.CheckPoints(data.Points, Dim, "The identity map", nameof(data));
        return PreconditionerFitReport.ClosedForm(Kind, 0);
    }

    /// <returns>Z: a new handle on x's values (x.alias(), so disposing it leaves x alive); LogAbsDet: zeros.</returns>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Inputs.CheckPoints(x, Dim, "The identity map", nameof(x));
        return (x.alias(), torch.zeros(x.shape[0], dtype: x.dtype, device: x.device));
    }

    /// <summary>x = z, as a new handle on z's values (z.alias()).</summary>
    /// <inheritdoc/>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Inputs.CheckPoints(z, Dim, "The identity map", nameof(z));
        return z.alias();
    }

    /// <summary>{"kind": "identity", "dim": Dim}.</summary>
    public JsonObject Describe() => new() { ["kind"] = Kind, ["dim"] = Dim };

    /// <summary>Writes <c>preconditioner.json</c> only: the identity has no weights.</summary>
    public void Save(string folder) => PreconditionerFolder.Save(folder, Describe(), writeWeights: null);

    internal static IdentityPreconditioner Load(Description description) => new(description.Int("dim"));

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }
}
