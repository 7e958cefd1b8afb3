using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// An invertible map of the data, z = P(x; y), with its inverse x = P⁻¹(z; y) and log|det ∂z/∂x| (SPEC §5).
/// The main flow is trained from N(0, I) to the law of P(x); at sampling time its output is mapped back by P⁻¹.
/// </summary>
/// <remarks>
/// <para>"Preconditioning" is meant in the paper's sense: an invertible map of the <em>data</em> that brings it closer
/// to an isotropic Gaussian, so that the regression the optimiser solves is well conditioned (Theorem 4.1). It is not
/// the EDM sense of the word, where a network's inputs and outputs are rescaled by the noise level.</para>
/// <para>Names follow TorchSharp's bijectors (<c>torch.distributions.transforms.Transform</c>): a fused
/// <see cref="Forward"/> returning the log-det, an <see cref="Inverse"/>, and a composition
/// (<see cref="PreconditionerChain"/>) that sums log-dets.</para>
/// <para>Maps compute in the dtype of their input (float32 or float64) and return that dtype. They are differentiable
/// in x: when x requires a gradient the graph is recorded, otherwise they run without one (the flow preconditioner's
/// log-det, a divergence integral, is the one output that carries no graph). Unconditional maps ignore
/// labels; conditional maps require them. A preconditioner owns its tensors: dispose it when done.</para>
/// </remarks>
public interface IPreconditioner : IDisposable
{
    /// <summary>The kind's short name as written in <c>preconditioner.json</c>, e.g. "whiten".</summary>
    string Name { get; }

    /// <summary>Whether the map depends on the class label y.</summary>
    bool IsConditional { get; }

    /// <summary>Dimension of x and z.</summary>
    int Dim { get; }

    /// <summary>Number of classes K of a label-conditional map (labels lie in [0, K)); 0 when unconditional.</summary>
    int NumClasses { get; }

    /// <summary>
    /// Numbers that define the fitted map: the trainable weights of a learned map (RealNVP, the flow preconditioner),
    /// the fitted statistics of a closed-form one (whitening: the mean's d entries and the d² entries of Σ^(−1/2), per
    /// class for the class-conditional kind; Σ^(1/2) is derived from them and not counted), 0 for the identity, and the
    /// members' sum for a chain. Lets comparisons state what each preconditioner costs in parameters.
    /// </summary>
    long ParameterCount { get; }

    /// <summary>Whether <see cref="Forward"/>'s log-det is exact; when false it is an estimate.</summary>
    bool HasExactLogDet { get; }

    /// <summary>Maps data to the preconditioned space.</summary>
    /// <param name="x">(batch, Dim) float32 or float64 points.</param>
    /// <param name="labels">(batch) int64 class labels; required when <see cref="IsConditional"/>, else ignored.</param>
    /// <returns>Z: (batch, Dim) in x's dtype; LogAbsDet: (batch) log|det ∂z/∂x| per sample.</returns>
    (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null);

    /// <summary>z = P(x) alone, for maps whose log-determinant costs extra work (the flow preconditioner's divergence
    /// integral); by default the Z of <see cref="Forward"/>.</summary>
    /// <param name="x">(batch, Dim) points.</param>
    /// <param name="labels">(batch) labels for a conditional map.</param>
    /// <returns>(batch, Dim).</returns>
    Tensor Transform(Tensor x, Tensor? labels = null) => Forward(x, labels).Z;

    /// <summary>Maps preconditioned points back to data space: x = P⁻¹(z; y).</summary>
    /// <param name="z">(batch, Dim) float32 or float64 points.</param>
    /// <param name="labels">(batch) int64 class labels; required when <see cref="IsConditional"/>, else ignored.</param>
    /// <returns>(batch, Dim) in z's dtype.</returns>
    Tensor Inverse(Tensor z, Tensor? labels = null);

    /// <summary>The settings that define this map (kind, dimension, options) as a JSON object.</summary>
    JsonObject Describe();

    /// <summary>
    /// Writes <c>preconditioner.json</c> (format version, kind, settings) and the weights file into
    /// <paramref name="folder"/>, each file atomically; <see cref="Preconditioners.Load"/> rebuilds the map.
    /// </summary>
    void Save(string folder);
}
