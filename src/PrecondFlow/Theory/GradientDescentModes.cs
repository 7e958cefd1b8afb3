namespace PrecondFlow.Theory;

/// <summary>
/// Full-batch gradient descent on the exact least-squares problem min_W ½E‖W x_t − u‖², in the
/// eigenbasis of its Hessian Σ_t: each error component contracts independently,
/// e_i ← (1 − ηλ_i)·e_i (SPEC §3, paper eq. 16, 47–52).
/// <para>
/// Default step size η = 1/λ_max: the largest step for which every mode contracts monotonically
/// (0 ≤ 1 − ηλ_i &lt; 1, no oscillation), and the one the paper's step count κ·log(1/ε) assumes
/// (eq. 52): the slowest mode then contracts by 1 − 1/κ per step. The optimal constant step
/// 2/(λ_max + λ_min) would halve the count but not change its growth with κ.
/// </para>
/// </summary>
public static class GradientDescentModes
{
    /// <summary>The default step size 1/λ_max.</summary>
    public static double DefaultLearningRate(IReadOnlyList<double> eigenvalues)
    {
        CheckEigenvalues(eigenvalues);
        return 1 / eigenvalues.Max();
    }

    /// <summary>The paper's estimate κ·ln(1/ε) of the steps needed to reach relative error ε (eq. 16, 52).</summary>
    public static double PredictedSteps(double conditionNumber, double epsilon)
    {
        CheckEpsilon(epsilon);
        return conditionNumber * Math.Log(1 / epsilon);
    }

    /// <summary>Runs <paramref name="steps"/> steps of e_i ← (1 − ηλ_i)e_i.</summary>
    /// <param name="eigenvalues">λ_i &gt; 0 of the Hessian.</param>
    /// <param name="steps">Number of steps (≥ 0).</param>
    /// <param name="learningRate">η; 1/λ_max when null.</param>
    /// <param name="initialError">e_0; all ones (every direction equally wrong) when null.</param>
    public static EigenmodeTrajectory Run(IReadOnlyList<double> eigenvalues, int steps, double? learningRate = null,
        IReadOnlyList<double>? initialError = null)
    {
        CheckEigenvalues(eigenvalues);
        if (steps < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of steps cannot be negative.");
        var eta = learningRate ?? DefaultLearningRate(eigenvalues);
        var error = InitialError(eigenvalues, initialError);
        var errors = new List<double[]>(steps + 1) { error };
        for (var k = 0; k < steps; k++)
        {
            var previous = errors[^1];
            errors.Add(previous.Select((e, i) => (1 - eta * eigenvalues[i]) * e).ToArray());
        }
        return new EigenmodeTrajectory(eigenvalues.ToArray(), eta, errors);
    }

    /// <summary>
    /// The number of steps after which the relative error ‖e_k‖/‖e_0‖ first falls to
    /// <paramref name="epsilon"/> or below.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When η makes a mode diverge (|1 − ηλ_i| ≥ 1) or the
    /// accuracy is not reached within <paramref name="maxSteps"/>.</exception>
    public static int StepsToReach(IReadOnlyList<double> eigenvalues, double epsilon, double? learningRate = null,
        IReadOnlyList<double>? initialError = null, int maxSteps = 100_000_000)
    {
        CheckEigenvalues(eigenvalues);
        CheckEpsilon(epsilon);
        var eta = learningRate ?? DefaultLearningRate(eigenvalues);
        var factors = eigenvalues.Select(l => 1 - eta * l).ToArray();
        var worst = factors.Max(Math.Abs);
        if (worst >= 1)
            throw new ArgumentOutOfRangeException(nameof(learningRate), eta,
                $"Step size {eta:G6} does not contract every mode (max |1 − ηλ| = {worst:G6}); use η < 2/λ_max = {2 / eigenvalues.Max():G6}.");
        var error = InitialError(eigenvalues, initialError);
        var target = epsilon * EigenmodeTrajectory.Norm(error);
        for (var k = 0; k <= maxSteps; k++)
        {
            if (EigenmodeTrajectory.Norm(error) <= target)
                return k;
            for (var i = 0; i < error.Length; i++)
                error[i] *= factors[i];
        }
        throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps,
            $"Relative error {epsilon:G3} not reached within {maxSteps} steps; raise maxSteps or ε.");
    }

    internal static double[] InitialError(IReadOnlyList<double> eigenvalues, IReadOnlyList<double>? initialError)
    {
        if (initialError is null)
            return Enumerable.Repeat(1.0, eigenvalues.Count).ToArray();
        if (initialError.Count != eigenvalues.Count)
            throw new ArgumentException(
                $"Give one initial error per eigenvalue: got {initialError.Count} for {eigenvalues.Count} eigenvalues.",
                nameof(initialError));
        if (initialError.All(e => e == 0))
            throw new ArgumentException("The initial error is zero: there is nothing to converge.", nameof(initialError));
        return initialError.ToArray();
    }

    internal static void CheckEigenvalues(IReadOnlyList<double> eigenvalues)
    {
        if (eigenvalues.Count == 0 || eigenvalues.Any(l => !(l > 0) || double.IsInfinity(l)))
            throw new ArgumentOutOfRangeException(nameof(eigenvalues),
                $"The Hessian's eigenvalues must be positive and finite (at least one); got [{string.Join(", ", eigenvalues)}].");
    }

    internal static void CheckEpsilon(double epsilon)
    {
        if (!(epsilon > 0 && epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The target relative error ε must lie in (0, 1), e.g. 1e-6.");
    }
}
