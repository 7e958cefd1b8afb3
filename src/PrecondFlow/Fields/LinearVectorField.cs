using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// The linear field v(x, t) = W(t)·x of the Gaussian theory (SPEC §3), with W(t) piecewise linear in t
/// between <see cref="FieldConfig.TimeKnots"/> equally spaced knots. Flow matching on a centred Gaussian
/// target makes the least-squares optimum W(t) = A_t = C_t Σ_t⁻¹ (eq. 11), so training this field is a
/// direct check of the engine against the closed form. Unconditional only.
/// </summary>
public sealed class LinearVectorField : VectorField
{
    private readonly Parameter knots;
    private readonly FieldConfig config;

    /// <summary>A field with all knots W(t_k) = 0, so v ≡ 0 before training.</summary>
    /// <param name="config">Uses Dim and TimeKnots; Kind should be "linear". The other fields are ignored.</param>
    /// <exception cref="ArgumentException"><paramref name="config"/> fails <see cref="FieldConfig.Validate"/>, or has
    /// NumClasses ≠ 0.</exception>
    public LinearVectorField(FieldConfig config) : base("LinearVectorField", config.Dim, 0)
    {
        config.Validate();
        if (config.NumClasses != 0)
            throw new ArgumentException("The linear field is unconditional: use num_classes = 0.", nameof(config));
        this.config = config;
        knots = nn.Parameter(zeros(config.TimeKnots, config.Dim, config.Dim));
        RegisterComponents();
    }

    /// <summary>The configuration this field was built from.</summary>
    public FieldConfig Config => config;

    /// <summary>W(t) as (batch, dim, dim) for (batch, 1) times.</summary>
    public Tensor MatrixAt(Tensor t)
    {
        using var scope = NewDisposeScope();
        int intervals = config.TimeKnots - 1;
        var position = (t.reshape(-1).to(knots.dtype).clamp(0, 1) * intervals);
        var left = position.floor().clamp(max: intervals - 1).to(ScalarType.Int64);
        var weight = (position - left.to(knots.dtype)).reshape(-1, 1, 1);
        var w = knots.index_select(0, left) * (1 - weight) + knots.index_select(0, left + 1) * weight;
        return w.MoveToOuterDisposeScope();
    }

    /// <summary>v(x, t) = W(t)·x, with W(t) evaluated in the knots' dtype (t clamped to [0, 1]) and cast to x's dtype.</summary>
    /// <param name="x">(batch, dim) points.</param>
    /// <param name="t">(batch, 1) or (1, 1) times.</param>
    /// <param name="labels">Must be null: the field is unconditional.</param>
    /// <returns>(batch, dim).</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor? labels)
    {
        CheckLabels(x, labels);
        using var scope = NewDisposeScope();
        var w = MatrixAt(t.expand(x.shape[0], 1));
        return bmm(w.to(x.dtype), x.unsqueeze(2)).squeeze(2).MoveToOuterDisposeScope();
    }
}
