using System.Globalization;
using System.Text.Json.Serialization;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using PrecondFlow.Sampling;
using PrecondFlow.Training;

namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// Settings of a convergence study (<see cref="ConvergenceStudy.Run"/>): several arms (preconditioners) trained on one
/// data set with the same main flow, evaluated at log-spaced steps, over paired seeds. Seed s gives every arm the same
/// data split, the same initial main-flow weights and the same minibatch stream.
/// </summary>
/// <param name="Arms">Preconditioner specs (<see cref="PreconditionerFactory"/>: a name or a '+'-joined chain); "none" is
/// the baseline and is added first when missing.</param>
/// <param name="Steps">Main-flow steps of every arm (the compute-matched arm adds its extra steps).</param>
/// <param name="FirstEvaluation">First evaluation step; the later ones double it up to <paramref name="Steps"/> (which is
/// always evaluated). Evaluation points are main-flow steps.</param>
/// <param name="Seeds">Number of paired seeds (0, 1, …).</param>
/// <param name="LearningRates">The per-arm grid; each arm runs at the rate with the lowest validation loss.</param>
/// <param name="SearchFraction">Share of <paramref name="Steps"/> each grid point trains for (first seed only).</param>
/// <param name="WarmupSteps">Linear warm-up of the learning rate.</param>
/// <param name="CosineDecay">Cosine decay to 0 after warm-up; false (the default) keeps the rate constant.</param>
/// <param name="EmaDecay">EMA of the weights used for sampling, or null.</param>
/// <param name="Hidden">Hidden widths of the main flow's MLP.</param>
/// <param name="Activation">Its activation.</param>
/// <param name="BatchSize">Main-flow minibatch size.</param>
/// <param name="SolverSteps">RK4 steps of the sampler.</param>
/// <param name="Samples">Points generated at each evaluation.</param>
/// <param name="ValidationFraction">Share of the data held out for the learning-rate choice.</param>
/// <param name="TestFraction">Share of the data held out as the metrics' reference set.</param>
/// <param name="ComputeMatched">Add the compute-matched baselines (more steps; wider) for each arm whose preconditioner
/// is trained by gradient steps.</param>
/// <param name="Preconditioners">Options of every preconditioner kind.</param>
/// <param name="MetricSamples">At most this many points per set in the O(n²) metrics (MMD, energy).</param>
/// <param name="Projections">Directions of the sliced Wasserstein distances.</param>
/// <param name="KeepFinalSamples">Keep the first seed's samples of the last evaluation in
/// <see cref="StudyArm.FinalSamples"/> (for scatter plots); off by default, since a study only needs the metrics.</param>
/// <param name="BatchedSeeds">Train an arm's seeds together as one ensemble (<see cref="EnsembleTrainer"/>: stacked weights,
/// one batched pass per step) instead of one after another, and likewise its learning-rate trials (one member per rate; a
/// rate whose member diverges scores NaN instead of stopping the study). Each seed's main flow equals its separate run within float32
/// rounding (the sums run in another order), so the numbers agree with an unbatched study to about 1e-6 relative, not
/// bit for bit. Applies to every study without source points, labelled or not, with or without an EMA; a transport study
/// runs its seeds one by one.</param>
public sealed record StudyOptions(
    IReadOnlyList<string> Arms,
    int Steps = 4000,
    int FirstEvaluation = 250,
    int Seeds = 3,
    IReadOnlyList<double>? LearningRates = null,
    double SearchFraction = 0.25,
    int WarmupSteps = 100,
    bool CosineDecay = false,
    double? EmaDecay = null,
    int[]? Hidden = null,
    string Activation = "silu",
    int BatchSize = 256,
    int SolverSteps = 50,
    int Samples = 2000,
    double ValidationFraction = 0.1,
    double TestFraction = 0.2,
    bool ComputeMatched = true,
    PreconditionerSettings? Preconditioners = null,
    int MetricSamples = 1000,
    int Projections = 128,
    bool KeepFinalSamples = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool BatchedSeeds = false)
{
    /// <summary>The baseline arm's spec.</summary>
    public const string Baseline = "none";

    public IReadOnlyList<double> LearningRateGrid => LearningRates ?? [1e-3];

    public int[] HiddenWidths => Hidden ?? [64, 64];

    public PreconditionerSettings PreconditionerSettings => Preconditioners ?? new PreconditionerSettings();

    /// <summary>The arms in run order: the baseline first, then the others as given (duplicates removed).</summary>
    public IReadOnlyList<string> ArmSpecs =>
        new[] { Baseline }.Concat(Arms.Select(a => a.Trim()).Where(a => a != Baseline)).Distinct().ToArray();

    /// <summary>Main-flow steps of each learning-rate trial.</summary>
    public int SearchSteps => Math.Max(1, (int)Math.Round(Steps * SearchFraction));

    /// <summary>The evaluation points: <see cref="FirstEvaluation"/> doubled while below <see cref="Steps"/>, then
    /// <see cref="Steps"/> itself.</summary>
    public IReadOnlyList<int> EvaluationSteps
    {
        get
        {
            var steps = new List<int>();
            for (long s = FirstEvaluation; s < Steps; s *= 2)
                steps.Add((int)s);
            steps.Add(Steps);
            return steps;
        }
    }

    /// <summary>The main flow's network for data of <paramref name="dim"/> dimensions and <paramref name="classes"/> classes.</summary>
    public FieldConfig Field(int dim, int classes, int[]? hidden = null) =>
        new(Dim: dim, NumClasses: classes, Hidden: hidden ?? HiddenWidths, Activation: Activation);

    /// <summary>The main flow's training settings for one run.</summary>
    public TrainingOptions Training(int steps, double learningRate, long seed) =>
        new(Steps: steps, BatchSize: BatchSize, LearningRate: learningRate, WarmupSteps: Math.Min(WarmupSteps, steps),
            CosineDecay: CosineDecay, EmaDecay: EmaDecay, LogEvery: Math.Min(50, steps), Seed: seed);

    /// <summary>The sampler of every evaluation.</summary>
    public SamplingOptions Sampling => new(Solver: "rk4", Steps: SolverSteps);

    public void Validate()
    {
        if (Arms is null || Arms.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("Give the arms as preconditioner specs, e.g. none, whiten, realnvp; an empty name was found.", nameof(Arms));
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"A study needs at least one main-flow step; got {Steps}.");
        if (FirstEvaluation < 1 || FirstEvaluation > Steps)
            throw new ArgumentOutOfRangeException(nameof(FirstEvaluation), FirstEvaluation,
                $"The first evaluation must lie in [1, {Steps}] (the steps); got {FirstEvaluation}, e.g. use 250.");
        if (Seeds < 1)
            throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds, $"A study needs at least one seed; got {Seeds}; 3 is usual.");
        if (LearningRateGrid.Count == 0 || LearningRateGrid.Any(r => !(r > 0) || !double.IsFinite(r)))
            throw new ArgumentOutOfRangeException(nameof(LearningRates),
                $"The learning-rate grid needs positive finite rates, e.g. 3e-4,1e-3,3e-3; got [{string.Join(", ", LearningRateGrid.Select(r => r.ToString(CultureInfo.InvariantCulture)))}].");
        if (!(SearchFraction > 0 && SearchFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(SearchFraction), SearchFraction, "The search fraction is a share of the steps in (0, 1], e.g. 0.25.");
        if (!(ValidationFraction > 0) || !(TestFraction > 0) || !(ValidationFraction + TestFraction < 0.9))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction),
                $"Validation ({ValidationFraction}) and test ({TestFraction}) shares must be positive and leave at least 10% for training.");
        if (Samples < 2 || SolverSteps < 1 || BatchSize < 1 || MetricSamples < 2 || Projections < 1)
            throw new ArgumentOutOfRangeException(nameof(Samples),
                "Samples (≥ 2), solver steps, batch size, metric samples (≥ 2) and projections must be positive.");
        if (HiddenWidths.Length == 0 || HiddenWidths.Any(w => w < 1))
            throw new ArgumentOutOfRangeException(nameof(Hidden), $"Hidden widths must be positive (at least one layer), e.g. 64,64; got [{string.Join(", ", HiddenWidths)}].");
        Training(Steps, LearningRateGrid[0], 0).Validate();
        Sampling.Validate();
    }
}
