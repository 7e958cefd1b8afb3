using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Couplings;
using PrecondFlow.Paths;
using PrecondFlow.Training;

namespace PrecondFlow.Cli.Arguments;

/// <summary>Optimizer and schedule settings.</summary>
internal sealed class TrainingArguments
{
    public TrainingArguments(int steps = 3000, int batchSize = 512, double learningRate = 2e-3)
    {
        Steps = CommonOptions.Positive("--steps", "Optimizer steps.", steps);
        BatchSize = CommonOptions.Positive("--batch-size", "Points per minibatch.", batchSize);
        LearningRate = CommonOptions.PositiveReal("--lr", "Peak learning rate of AdamW.", learningRate);
    }

    public Option<int> Steps { get; }
    public Option<int> BatchSize { get; }
    public Option<double> LearningRate { get; }

    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0.0 };

    public Option<int> Warmup { get; } = new("--warmup") { Description = "Linear learning-rate warm-up steps.", DefaultValueFactory = _ => 0 };

    public Option<bool> ConstantLearningRate { get; } = new("--constant-lr") { Description = "Keep the learning rate constant after warm-up (default: cosine decay to zero)." };

    public Option<double> GradientClip { get; } = new("--grad-clip") { Description = "Clip the global gradient norm at this value (0 = off).", DefaultValueFactory = _ => 1.0 };

    public Option<double> Ema { get; } = new("--ema") { Description = "Decay of an exponential moving average of the weights used for sampling (0 = off), e.g. 0.999; update n uses min(decay, (1 + n)/(10 + n)), so the random initial weights are forgotten early.", DefaultValueFactory = _ => 0.0 };

    public Option<double> LabelDropout { get; } = new("--label-dropout") { Description = "Probability of dropping a label during training, so the model also serves classifier-free guidance.", DefaultValueFactory = _ => 0.0 };

    public Option<string> TimeSampling { get; } = new Option<string>("--time-sampling")
    {
        Description = "Training times: uniform, logit-normal, or logit-normal-weighted (importance-weighted back to the uniform objective).",
        DefaultValueFactory = _ => "uniform",
    }.AcceptOnlyFromAmong("uniform", "logit-normal", "logit-normal-weighted");

    public Option<int> LogEvery { get; } = CommonOptions.Positive("--log-every", "Record the loss (one read-back from the device) every this many steps.", 50);

    public Option<string> Coupling { get; } = new Option<string>("--coupling")
    {
        Description = "How x₀ and x₁ of a minibatch are paired: independent (as drawn), ot (exact minibatch optimal transport on the squared distance; cubic in --batch-size) or sinkhorn (entropic OT, pairs sampled from the plan).",
        DefaultValueFactory = _ => "independent",
    }.AcceptOnlyFromAmong(CouplingOptions.Names.ToArray());

    public Option<string> CouplingSpace { get; } = new Option<string>("--coupling-space")
    {
        Description = "Where the coupling measures distances: flow (after the preconditioner, where the main flow lives) or data (before it, for comparison).",
        DefaultValueFactory = _ => "flow",
    }.AcceptOnlyFromAmong("flow", "data");

    public Option<double> SinkhornEpsilon { get; } = new("--sinkhorn-eps") { Description = "Entropic regularisation ε of --coupling sinkhorn, in units of the squared distance (TorchCFM's reg).", DefaultValueFactory = _ => 0.05 };

    public Option<int> SinkhornIterations { get; } = CommonOptions.Positive("--sinkhorn-iterations", "Most Sinkhorn iterations per minibatch.", 1000);

    public Option<double> SinkhornTolerance { get; } = new("--sinkhorn-tolerance") { Description = "Stop Sinkhorn when the plan's marginal L1 error is below this.", DefaultValueFactory = _ => 1e-6 };

    public Option<double> Sigma { get; } = new("--sigma") { Description = "Bridge noise σ around the straight path (linear path, flow matching): x_t = t·x₁ + (1 − t)·x₀ + σ_t·ε. 0 = none.", DefaultValueFactory = _ => 0.0 };

    public Option<string> Bridge { get; } = new Option<string>("--bridge")
    {
        Description = "Shape of the --sigma noise: constant (I-CFM, σ_t = σ) or schrodinger (SB-CFM, σ_t = σ√(t(1 − t)), with its matching target).",
        DefaultValueFactory = _ => "constant",
    }.AcceptOnlyFromAmong("constant", "schrodinger");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Steps, BatchSize, LearningRate, WeightDecay, Warmup, ConstantLearningRate, GradientClip, Ema, LabelDropout, TimeSampling, LogEvery,
                     Coupling, CouplingSpace, SinkhornEpsilon, SinkhornIterations, SinkhornTolerance, Sigma, Bridge })
            command.Options.Add(option);
    }

    public TrainingOptions Read(ParseResult parse, long seed)
    {
        var time = parse.GetValue(TimeSampling) switch
        {
            "logit-normal" => new TimeSampling(TimeDistribution.LogitNormal),
            "logit-normal-weighted" => new TimeSampling(TimeDistribution.LogitNormal, ImportanceWeighted: true),
            _ => new TimeSampling(),
        };
        double clip = parse.GetValue(GradientClip);
        double ema = parse.GetValue(Ema);
        var options = new TrainingOptions(
            Steps: parse.GetValue(Steps),
            BatchSize: parse.GetValue(BatchSize),
            LearningRate: parse.GetValue(LearningRate),
            WeightDecay: parse.GetValue(WeightDecay),
            WarmupSteps: parse.GetValue(Warmup),
            CosineDecay: !parse.GetValue(ConstantLearningRate),
            GradientClip: clip > 0 ? clip : null,
            EmaDecay: ema > 0 ? ema : null,
            LabelDropout: parse.GetValue(LabelDropout),
            Time: time,
            LogEvery: parse.GetValue(LogEvery),
            Seed: seed,
            Coupling: ReadCoupling(parse),
            Bridge: ReadBridge(parse));
        options.Validate();
        return options;
    }

    // Left null when at their defaults, so that the saved settings of a default run read exactly as before.
    private CouplingOptions? ReadCoupling(ParseResult parse)
    {
        var coupling = new CouplingOptions(parse.GetValue(Coupling)!, parse.GetValue(SinkhornEpsilon), parse.GetValue(SinkhornIterations),
            parse.GetValue(SinkhornTolerance), parse.GetValue(CouplingSpace) == "data" ? Couplings.CouplingSpace.Data : Couplings.CouplingSpace.Flow);
        coupling.Validate();
        return coupling == new CouplingOptions() ? null : coupling;
    }

    private BridgeNoise? ReadBridge(ParseResult parse)
    {
        var bridge = new BridgeNoise(parse.GetValue(Sigma), parse.GetValue(Bridge) == "schrodinger" ? BridgeKind.Schrodinger : BridgeKind.Constant);
        bridge.Validate();
        return bridge.IsActive ? bridge : null;
    }
}
