namespace PrecondFlow.Theory;

/// <summary>One run of the Theorem 4.1 experiment (App. D.1) at one condition number.</summary>
/// <param name="Kappa">The condition number κ the input covariance Σ was built with.</param>
/// <param name="MeasuredKappa">κ of the Hessian X Xᵀ/n actually used (equal to κ up to round-off).</param>
/// <param name="StepsPlain">Gradient steps to reach relative error ε on f(W) = ½‖W X − Y‖²/n.</param>
/// <param name="StepsPreconditioned">The same with X̃ = M X, M = (X Xᵀ/n)^(−½).</param>
/// <param name="PredictedSteps">The theorem's κ·ln(1/ε).</param>
/// <param name="Epsilon">The relative error ε reached.</param>
public sealed record LeastSquaresComparison(
    double Kappa, double MeasuredKappa, int StepsPlain, int StepsPreconditioned, double PredictedSteps, double Epsilon);
