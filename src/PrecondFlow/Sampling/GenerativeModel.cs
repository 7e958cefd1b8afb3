using PrecondFlow.Fields;
using PrecondFlow.Paths;
using PrecondFlow.Solvers;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Sampling;

/// <summary>
/// A trained network together with its path and objective, seen as a generative model: its probability-flow
/// velocity (for flow matching the network itself; for score matching v = (α̇/α)x + (σ̇ − α̇σ/α)ε̂), its
/// score, and the reverse SDE. Classifier-free guidance combines the conditional and unconditional outputs:
/// f = f(x, t, ∅) + w·(f(x, t, y) − f(x, t, ∅)); w = 1 is plain conditional sampling.
/// </summary>
public sealed class GenerativeModel
{
    /// <summary>
    /// Score models are integrated from this time rather than 0: on the linear and sine–cosine paths α₀ = 0, where the
    /// velocity of a noise-prediction model is singular. At t = 1e-3 the marginal is N(0, σ²I) with σ ≈ 1 − 1e-3.
    /// </summary>
    public const double ScoreModelStartTime = 1e-3;

    /// <summary>Pairs a trained network with its spec; the path is built from <see cref="ModelSpec.Path"/>.</summary>
    /// <param name="field">The trained network; not copied, not owned (the caller disposes it).</param>
    /// <param name="spec">The path and objective it was trained with.</param>
    /// <exception cref="ArgumentException"><see cref="ModelSpec.Path"/> is not a known path name.</exception>
    public GenerativeModel(VectorField field, ModelSpec spec)
    {
        Field = field;
        Spec = spec;
        Path = AffinePath.FromName(spec.Path);
    }

    /// <summary>The network: a velocity for flow matching, a noise prediction ε̂ for score matching.</summary>
    public VectorField Field { get; }
    /// <summary>The path and objective the network was trained with.</summary>
    public ModelSpec Spec { get; }
    /// <summary>The affine path named by <see cref="ModelSpec.Path"/>.</summary>
    public AffinePath Path { get; }

    /// <summary>The time sampling starts from: 0 for flow models, <see cref="ScoreModelStartTime"/> for score models.</summary>
    public double StartTime => Spec.Objective == Objective.ScoreMatching ? ScoreModelStartTime : 0.0;

    /// <summary>The network output with classifier-free guidance applied.</summary>
    /// <param name="x">(batch, dim).</param>
    /// <param name="t">The time, shared by the whole batch.</param>
    /// <param name="labels">(batch) labels, or null for unconditional generation with a conditional field.</param>
    /// <param name="guidance">Guidance scale w; 1 returns the conditional output alone. Unused without labels or for an
    /// unconditional field.</param>
    /// <returns>(batch, dim) in x's dtype.</returns>
    public Tensor GuidedOutput(Tensor x, double t, Tensor? labels, double guidance)
    {
        using var scope = NewDisposeScope();
        var time = full(new long[] { 1, 1 }, t, dtype: x.dtype, device: x.device);
        if (!Field.IsConditional)
            return Field.call(x, time, null).MoveToOuterDisposeScope();
        var none = full(new[] { x.shape[0] }, Field.NullLabel, dtype: ScalarType.Int64, device: x.device);
        if (labels is null)
            return Field.call(x, time, none).MoveToOuterDisposeScope();
        var conditional = Field.call(x, time, labels);
        if (guidance == 1.0)
            return conditional.MoveToOuterDisposeScope();
        var unconditional = Field.call(x, time, none);
        return (unconditional + guidance * (conditional - unconditional)).MoveToOuterDisposeScope();
    }

    /// <summary>The probability-flow velocity at (x, t).</summary>
    public Tensor Velocity(Tensor x, double t, Tensor? labels = null, double guidance = 1.0)
    {
        using var scope = NewDisposeScope();
        var output = GuidedOutput(x, t, labels, guidance);
        if (Spec.Objective == Objective.FlowMatching)
            return output.MoveToOuterDisposeScope();
        var time = full(new long[] { 1, 1 }, t, dtype: x.dtype, device: x.device);
        return Path.NoiseToVelocity(output, x, time).MoveToOuterDisposeScope();
    }

    /// <summary>The score ∇log p_t(x) = −ε̂/σ_t of a score model.</summary>
    public Tensor Score(Tensor x, double t, Tensor? labels = null, double guidance = 1.0)
    {
        RequireScoreModel();
        using var scope = NewDisposeScope();
        var time = full(new long[] { 1, 1 }, t, dtype: x.dtype, device: x.device);
        return Path.NoiseToScore(GuidedOutput(x, t, labels, guidance), time).MoveToOuterDisposeScope();
    }

    /// <summary>dx/dt = v(x, t): the ODE that carries the base to the data (forwards) or back (backwards).</summary>
    public Dynamics VelocityDynamics(Tensor? labels = null, double guidance = 1.0) =>
        (x, t) => Velocity(x, t, labels, guidance);

    /// <summary>
    /// The reverse-time SDE of a score model, written forwards in our time (noise at 0, data at 1):
    /// dx = [v + ½g²·s] dt + g dW with g² = 2σ(α̇σ/α − σ̇), whose marginals are the path's.
    /// </summary>
    public (Dynamics Drift, Func<double, double> Diffusion) ReverseSde(Tensor? labels = null, double guidance = 1.0)
    {
        RequireScoreModel();
        Dynamics drift = (x, t) =>
        {
            using var scope = NewDisposeScope();
            var time = full(new long[] { 1, 1 }, t, dtype: float64);
            var g2 = Path.DiffusionSquared(time).item<double>();
            var v = Velocity(x, t, labels, guidance);
            var s = Score(x, t, labels, guidance);
            return (v + 0.5 * g2 * s).MoveToOuterDisposeScope();
        };
        Func<double, double> diffusion = t =>
        {
            using var time = full(new long[] { 1, 1 }, t, dtype: float64);
            using var g2 = Path.DiffusionSquared(time);
            return Math.Sqrt(Math.Max(0, g2.item<double>()));
        };
        return (drift, diffusion);
    }

    private void RequireScoreModel()
    {
        if (Spec.Objective != Objective.ScoreMatching)
            throw new InvalidOperationException("This model was trained by flow matching: it has a velocity, not a score. Use the ODE sampler.");
    }
}
