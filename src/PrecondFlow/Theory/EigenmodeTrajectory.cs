namespace PrecondFlow.Theory;

/// <summary>
/// The error of a linear regression solved by (stochastic) gradient descent, resolved along the
/// eigendirections of its Hessian: Errors[k][i] is the error component e_i after k steps
/// (Errors[0] is the initial error).
/// </summary>
/// <param name="Eigenvalues">λ_i of the Hessian (the input covariance Σ_t), one per direction.</param>
/// <param name="LearningRate">The step size η.</param>
/// <param name="Errors">(steps + 1) rows of one error component per direction.</param>
public sealed record EigenmodeTrajectory(IReadOnlyList<double> Eigenvalues, double LearningRate, IReadOnlyList<double[]> Errors)
{
    /// <summary>Number of steps taken.</summary>
    public int Steps => Errors.Count - 1;

    /// <summary>|e_i| over the steps for one direction (the curve of Figure 6).</summary>
    public double[] Magnitude(int direction) => Errors.Select(e => Math.Abs(e[direction])).ToArray();

    /// <summary>‖e_k‖/‖e_0‖ over the steps.</summary>
    public double[] RelativeError()
    {
        var initial = Norm(Errors[0]);
        return Errors.Select(e => Norm(e) / initial).ToArray();
    }

    internal static double Norm(IReadOnlyList<double> v) => Math.Sqrt(v.Sum(x => x * x));
}
