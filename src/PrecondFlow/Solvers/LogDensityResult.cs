using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>
/// The result of <see cref="LogDensityIntegrator.Integrate"/> from t_from to t_to: the flow map
/// Φ(x) = x(t_to) and Δ = ∫_{t_from}^{t_to} ∇·v(x_t, t) dt = log|det ∂Φ/∂x| (signed by direction).
/// </summary>
/// <param name="Final">(batch, dim) state Φ(x) at t_to.</param>
/// <param name="IntegratedDivergence">(batch) Δ per sample: the exact-divergence integral, or the mean
/// of the K probes' estimates.</param>
/// <param name="StandardError">(batch) standard error of the Hutchinson mean due to the random probes
/// (see <see cref="LogDensityIntegrator"/>); null for the exact divergence or a single probe.</param>
/// <param name="FunctionEvaluations">evaluations of the velocity (each with its divergence).</param>
/// <param name="Method">the divergence method used (never Auto).</param>
public sealed record LogDensityResult(
    Tensor Final,
    Tensor IntegratedDivergence,
    Tensor? StandardError,
    int FunctionEvaluations,
    DivergenceMethod Method)
{
    /// <summary>
    /// log p_{t_from}(x) = log p_{t_to}(Φ(x)) + Δ, the continuous change of variables. With t_from = 1
    /// (data) and t_to = 0 (base), this is the model's log-likelihood of x.
    /// </summary>
    /// <param name="logDensityAtEnd">log p_{t_to}, (batch, dim) → (batch); null: the standard normal.</param>
    /// <returns>(batch) log-density of the start points.</returns>
    public Tensor LogDensityAtStart(Func<Tensor, Tensor>? logDensityAtEnd = null)
    {
        var atEnd = (logDensityAtEnd ?? LogDensityIntegrator.StandardNormalLogDensity)(Final);
        return atEnd + IntegratedDivergence;
    }
}
