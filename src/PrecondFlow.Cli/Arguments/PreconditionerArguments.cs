using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;

namespace PrecondFlow.Cli.Arguments;

/// <summary>Which preconditioner to fit, and the options of each kind.</summary>
internal sealed class PreconditionerArguments
{
    public PreconditionerArguments(string defaultSpec = "none", bool allowList = false)
    {
        Spec = new Option<string>("--preconditioner")
        {
            Description = $"Invertible map fitted to the data before the main flow: {string.Join(", ", PreconditionerFactory.Names)}, " +
                "or a chain joined by '+' (applied left to right, e.g. whiten+realnvp)" + (allowList ? "; several separated by commas." : "."),
            DefaultValueFactory = _ => defaultSpec,
        };
    }

    public Option<string> Spec { get; }

    public Option<double> Shrinkage { get; } = new("--shrinkage") { Description = "whiten / class-whiten: covariance shrinkage γ ∈ [0, 1] toward a scaled identity (for near-singular data).", DefaultValueFactory = _ => 0.0 };

    public Option<bool> ClassFallback { get; } = new("--class-fallback") { Description = "class-whiten: blend classes with too few samples (< dim + 1) or singular covariance with the pooled covariance instead of failing." };

    public Option<int> RealNvpSteps { get; } = CommonOptions.Positive("--realnvp-steps", "realnvp: maximum-likelihood training steps.", new RealNvpOptions().Steps);

    public Option<int> RealNvpHidden { get; } = CommonOptions.Positive("--realnvp-hidden", "realnvp: width of the coupling MLPs' hidden layers.", new RealNvpOptions().Hidden);

    public Option<int> RealNvpCouplings { get; } = CommonOptions.Positive("--realnvp-couplings", "realnvp: affine coupling layers.", new RealNvpOptions().Couplings);

    public Option<int> FlowSteps { get; } = CommonOptions.Positive("--flow-steps", "flow: flow-matching steps of the small preconditioning flow (its early stop).", new FlowPreconditionerOptions().Steps);

    public Option<string> FlowHidden { get; } = new("--flow-hidden") { Description = "flow: hidden widths of the preconditioning flow (the 2D default 10,10 has 172 parameters).", DefaultValueFactory = _ => "10,10" };

    public Option<string> FlowField { get; } = new Option<string>("--flow-field")
    {
        Description = "flow: the preconditioning flow's network: mlp (the --flow-hidden MLP) or main (the main flow's architecture, " +
            "e.g. its UNet, as the paper's Table 3 does; train only).",
        DefaultValueFactory = _ => "mlp",
    }.AcceptOnlyFromAmong("mlp", "main");

    public Option<double> FlowLearningRate { get; } = CommonOptions.PositiveReal("--flow-lr", "flow: peak learning rate of the preconditioning flow (lower it for a UNet, e.g. 2e-4).", new FlowPreconditionerOptions().LearningRate);

    public Option<int> FlowBatchSize { get; } = CommonOptions.Positive("--flow-batch-size", "flow: minibatch size of the preconditioning flow.", new FlowPreconditionerOptions().BatchSize);

    public Option<string> FlowSolver { get; } = new Option<string>("--flow-solver")
    {
        Description = "flow: ODE solver of P and P⁻¹: dopri5 (adaptive) or a fixed-step euler, midpoint, heun, rk4 (cheaper for a UNet).",
        DefaultValueFactory = _ => new FlowPreconditionerOptions().Solver,
    }.AcceptOnlyFromAmong("euler", "midpoint", "heun", "rk4", "dopri5");

    public Option<int> FlowSolverSteps { get; } = CommonOptions.Positive("--flow-solver-steps", "flow: steps of a fixed-step --flow-solver.", new FlowPreconditionerOptions().SolverSteps);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Spec, Shrinkage, ClassFallback, RealNvpSteps, RealNvpHidden, RealNvpCouplings, FlowSteps, FlowHidden,
            FlowField, FlowLearningRate, FlowBatchSize, FlowSolver, FlowSolverSteps })
            command.Options.Add(option);
    }

    /// <summary>
    /// Before any fitting: class-whiten without --class-fallback needs, in every class, at least d + 1 samples for a full-rank
    /// covariance (2 with a shrinkage γ &gt; 0). A class with fewer is refused here, named as the data name it, with its count.
    /// </summary>
    public void CheckClassSizes(ParseResult parse, string spec, LoadedData data)
    {
        var points = data.Points;
        if (!spec.Split('+', StringSplitOptions.TrimEntries).Contains(ClassConditionalWhitening.Kind) || parse.GetValue(ClassFallback)
            || points.Labels is not { } labels || points.NumClasses == 0)
            return;
        bool shrunk = parse.GetValue(Shrinkage) > 0;
        long needed = shrunk ? 2 : points.Dim + 1L;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var counts = labels.cpu().bincount(null, points.NumClasses).data<long>().ToArray();
        for (int k = 0; k < counts.Length; k++)
            if (counts[k] < needed)
                throw new ArgumentException(
                    $"--preconditioner {spec}: class {data.ClassName(k)} has {counts[k]} sample{(counts[k] == 1 ? "" : "s")}, but class-whiten needs at least " +
                    (shrunk ? "2 per class" : $"d + 1 = {needed} per class for a full-rank covariance in d = {points.Dim} dimensions") +
                    "; add samples to that class, " + (shrunk ? "" : "pass --shrinkage γ > 0, ") + "or pass --class-fallback.");
    }

    public IReadOnlyList<string> Specs(ParseResult parse) =>
        parse.GetValue(Spec)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <param name="parse">The parsed command line.</param>
    /// <param name="conditional">Build label-conditional learned maps.</param>
    /// <param name="imageShape">(C, H, W) of image data, whose C channels standardize keeps apart; null for vectors.</param>
    /// <param name="mainField">The main flow's network, for --flow-field main; null where there is none.</param>
    public PreconditionerSettings Settings(ParseResult parse, bool conditional, int[]? imageShape = null, FieldConfig? mainField = null) => new(
        Shrinkage: parse.GetValue(Shrinkage),
        ClassFallback: parse.GetValue(ClassFallback),
        RealNvp: new RealNvpOptions(Couplings: parse.GetValue(RealNvpCouplings), Hidden: parse.GetValue(RealNvpHidden), Steps: parse.GetValue(RealNvpSteps)),
        Flow: new FlowPreconditionerOptions(Hidden: ModelArguments.ParseWidths(parse.GetValue(FlowHidden)!, "--flow-hidden"), Steps: parse.GetValue(FlowSteps),
            BatchSize: parse.GetValue(FlowBatchSize), LearningRate: parse.GetValue(FlowLearningRate), Solver: parse.GetValue(FlowSolver)!,
            SolverSteps: parse.GetValue(FlowSolverSteps), Field: FlowFieldConfig(parse, mainField),
            MapBatchSize: parse.GetValue(FlowField) == "main" ? 1024 : null),
        Conditional: conditional,
        Channels: imageShape?[0] ?? 0);

    public IFittablePreconditioner Create(ParseResult parse, string spec, int dim, int numClasses, bool conditional,
        int[]? imageShape = null, FieldConfig? mainField = null) =>
        PreconditionerFactory.Create(spec, dim, numClasses, Settings(parse, conditional, imageShape, mainField));

    private FieldConfig? FlowFieldConfig(ParseResult parse, FieldConfig? mainField) => parse.GetValue(FlowField) switch
    {
        "main" => mainField ?? throw new ArgumentException(
            "--flow-field main gives the preconditioning flow the main flow's network, and this command trains no main flow; use --flow-field mlp."),
        _ => null,
    };
}
