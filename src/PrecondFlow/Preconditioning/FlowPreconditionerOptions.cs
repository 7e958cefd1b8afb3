using PrecondFlow.Fields;
using PrecondFlow.Solvers;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// Settings of the flow-matching preconditioner (paper §4.2): a deliberately small velocity field, trained for a
/// limited budget. The 2D default, an MLP 3 → 10 → 10 → 2 with raw time input, has 172 parameters (the paper's has
/// about 168).
/// </summary>
/// <param name="Hidden">Hidden widths of the velocity MLP.</param>
/// <param name="Activation">Its activation.</param>
/// <param name="Steps">Training steps (the early stop).</param>
/// <param name="BatchSize">Minibatch size.</param>
/// <param name="LearningRate">Peak AdamW learning rate (cosine decay).</param>
/// <param name="Path">Probability path of its training.</param>
/// <param name="Solver">ODE solver of P and P⁻¹ ("dopri5" adaptive, or a fixed-step solver).</param>
/// <param name="SolverSteps">Steps of a fixed-step solver.</param>
/// <param name="RelativeTolerance">dopri5 relative tolerance.</param>
/// <param name="AbsoluteTolerance">dopri5 absolute tolerance.</param>
/// <param name="HutchinsonProbes">Probe vectors of the log-determinant estimate above <see cref="ExactLogDetUpToDimension"/>.</param>
/// <param name="ExactLogDetUpToDimension">Up to this dimension the divergence is computed exactly (one backward pass per dimension).</param>
/// <param name="Seed">Seed of initialisation, training and the Hutchinson probes.</param>
/// <param name="Field">The velocity field's architecture when it is not the MLP of <paramref name="Hidden"/> and
/// <paramref name="Activation"/>: e.g. a UNet (<c>Kind = "unet"</c> with its <c>ImageShape</c>) for images, as the paper's
/// Table 3 uses the main flow's UNet. Its <c>Dim</c> and <c>NumClasses</c> are replaced by the preconditioner's.</param>
/// <param name="MapBatchSize">P(x) and P⁻¹(z) solve at most this many points at a time (rows are independent, so a fixed-step
/// solver gives the same points either way; dopri5 chooses its steps per solve); null solves all at once. A UNet's activations
/// for thousands of points at once are hundreds of megabytes each and run several times slower per point here than in
/// pieces of about a thousand.</param>
public sealed record FlowPreconditionerOptions(
    int[]? Hidden = null,
    string Activation = "tanh",
    int Steps = 1000,
    int BatchSize = 256,
    double LearningRate = 1e-2,
    string Path = "linear",
    string Solver = "dopri5",
    int SolverSteps = 50,
    double RelativeTolerance = 1e-5,
    double AbsoluteTolerance = 1e-5,
    int HutchinsonProbes = 8,
    int ExactLogDetUpToDimension = 8,
    long Seed = 0,
    FieldConfig? Field = null,
    int? MapBatchSize = null)
{
    /// <summary>Hidden widths, defaulting to two layers of 10.</summary>
    public int[] HiddenWidths => Hidden ?? new[] { 10, 10 };

    internal AdaptiveOptions Adaptive => new(RelativeTolerance: RelativeTolerance, AbsoluteTolerance: AbsoluteTolerance);

    /// <summary>The velocity field of a preconditioner of <paramref name="dim"/> dimensions and <paramref name="numClasses"/>
    /// classes: <see cref="Field"/> when given, else the MLP of <see cref="HiddenWidths"/> with raw time and one-hot labels.</summary>
    public FieldConfig FieldFor(int dim, int numClasses) => Field is { } field
        ? field with { Dim = dim, NumClasses = numClasses }
        : new FieldConfig(Dim: dim, NumClasses: numClasses, Hidden: HiddenWidths, Activation: Activation,
            Time: TimeEncoding.Raw, Labels: LabelEncoding.OneHot);

    /// <summary>Checks the training settings and builds the solver once to check its name and tolerances.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Steps, BatchSize or HutchinsonProbes &lt; 1, a learning rate that is
    /// not positive, or invalid solver steps or tolerances.</exception>
    /// <exception cref="ArgumentException">An unknown solver name.</exception>
    public void Validate()
    {
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "The flow preconditioner needs at least one training step.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be at least 1.");
        if (!(LearningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive.");
        if (MapBatchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(MapBatchSize), MapBatchSize, "Solve at least one point at a time, or give none to solve all at once.");
        if (HutchinsonProbes < 1)
            throw new ArgumentOutOfRangeException(nameof(HutchinsonProbes), HutchinsonProbes, "Use at least one Hutchinson probe.");
        _ = OdeSolvers.Create(Solver, SolverSteps, Adaptive);
        Adaptive.Validate();
    }
}
